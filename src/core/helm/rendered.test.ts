import { describe, expect, it } from "vitest";
import { ConflictError, InputError } from "../errors.js";
import { helmErrorText, parseRenderedObjects, renderRefusal } from "./rendered.js";

describe("parseRenderedObjects", () => {
  it("reads the objects in Helm's order and drops empty documents", () => {
    const text = [
      "---",
      "# Source: c/templates/empty.yaml",
      "---",
      "# Source: c/templates/sa.yaml",
      "apiVersion: v1",
      "kind: ServiceAccount",
      "metadata:",
      "  name: nb",
      "---",
      "apiVersion: apps/v1",
      "kind: StatefulSet",
      "metadata:",
      "  name: nb-jupyter",
      "spec: {replicas: 1}",
      "",
    ].join("\n");
    const objects = parseRenderedObjects(text, "c-1.0.0");
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual(["ServiceAccount/nb", "StatefulSet/nb-jupyter"]);
    expect(objects[1]?.spec).toEqual({ replicas: 1 });
  });

  it("refuses a document without kind or name, naming the chart", () => {
    expect(() => parseRenderedObjects("apiVersion: v1\nmetadata: {name: x}\n", "c-1.0.0")).toThrow(ConflictError);
    expect(() => parseRenderedObjects("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "c-1.0.0")).toThrow(/chart c-1\.0\.0 rendered document 1 without/);
    expect(() => parseRenderedObjects("- a\n", "c-1.0.0")).toThrow(/not an object/);
  });

  it("refuses invalid YAML as an error naming the chart", () => {
    expect(() => parseRenderedObjects("kind: [\n", "c-1.0.0")).toThrow(/chart c-1\.0\.0/);
  });
});

describe("what Helm's refusal means", () => {
  const schemaError = [
    "Error: values don't meet the specifications of the schema(s) in the following chart(s):",
    "jupyter-python:",
    "- at '/service/image/version': got number, want string",
    "- at '/resources/limits/memory': 'nope' does not match pattern",
    "",
  ].join("\n");

  it("values refused by values.schema.json: an input error, one issue per field", () => {
    const error = renderRefusal("jupyter-python-2.5.2", schemaError);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^chart jupyter-python-2\.5\.2 refuses these values \(values\.schema\.json\): values don't meet/);
    expect((error as InputError).issues).toEqual([
      { pointer: "/values/service/image/version", rule: "values.schema.json", message: "got number, want string" },
      { pointer: "/values/resources/limits/memory", rule: "values.schema.json", message: "'nope' does not match pattern" },
    ]);
  });

  it("a template failing: a conflict with Helm's message on one line, without its --debug hint", () => {
    const stderr = [
      "Error: c/templates/broken.yaml:1:10",
      '  executing "c/templates/broken.yaml" at <.Values.nope.deeper>:',
      "    nil pointer evaluating interface {}.deeper",
      "",
      "Use --debug flag to render out invalid YAML",
      "",
    ].join("\n");
    const error = renderRefusal("c-1.0.0", stderr);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'chart c-1.0.0 cannot be rendered by helm template: c/templates/broken.yaml:1:10 executing "c/templates/broken.yaml" at <.Values.nope.deeper>: nil pointer evaluating interface {}.deeper',
    );
  });

  it("keeps warnings before the error out, and a long message short", () => {
    expect(helmErrorText("WARNING: something\nError: it broke\n")).toBe("it broke");
    expect(helmErrorText("")).toBe("(no output)");
    expect(helmErrorText(`Error: ${"x".repeat(1000)}`)).toHaveLength(601);
  });
});
