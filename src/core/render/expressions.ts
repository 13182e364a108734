import { assert } from "../errors.js";
import type { ArgumentExpression, Expression } from "../catalog/template.js";
import { InputError } from "../errors.js";
import { isSet, valueAt } from "../catalog/values.js";

export interface ExpressionContext {
  readonly values: Readonly<Record<string, unknown>>;
  readonly project: string;
  readonly instance: string;
  /** Public host of the instance (`hello.demo.localhost`). */
  readonly host: string;
  readonly url: string;
  /** The in-cluster host name of a component's Service. */
  readonly hostOf: (component: string) => string;
}

export type Evaluated = { readonly kind: "text"; readonly text: string } | { readonly kind: "secret"; readonly key: string };

/** Evaluates an expression to text, or to a reference to a generated secret. */
export function evaluate(expression: Expression, context: ExpressionContext): Evaluated {
  if (typeof expression === "object" && "$secret" in expression) return { kind: "secret", key: expression.$secret };
  return { kind: "text", text: evaluateText(expression, context) };
}

export function evaluateText(expression: Expression, context: ExpressionContext): string {
  if (typeof expression === "string") return expression;
  if (typeof expression === "number" || typeof expression === "boolean") return String(expression);
  if ("$value" in expression) return scalarText(valueAt(context.values, expression.$value), expression.$value);
  if ("$host" in expression) return context.hostOf(expression.$host);
  if ("$instance" in expression) {
    switch (expression.$instance) {
      case "name":
        return context.instance;
      case "project":
        return context.project;
      case "host":
        return context.host;
      case "url":
        return context.url;
    }
  }
  if ("$concat" in expression) return expression.$concat.map((part) => evaluateText(part, context)).join("");
  if ("$if" in expression) {
    const branch = isSet(valueAt(context.values, expression.$if)) ? expression.then : expression.else;
    return branch === undefined ? "" : evaluateText(branch, context);
  }
  assert(false, `$secret is only allowed as a whole environment value (checked at template load)`);
}

function scalarText(value: unknown, pointer: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // Structured values are passed whole, as JSON, never spliced into other text.
  assert(typeof value === "object", `value at ${pointer} has an unexpected type`);
  return JSON.stringify(value);
}

/** The arguments of a command: expressions give one argument each, `$each` one per array item. */
export function evaluateArguments(parts: readonly ArgumentExpression[], context: ExpressionContext): string[] {
  return parts.flatMap((part) => {
    if (typeof part !== "object" || !("$each" in part)) return [evaluateText(part, context)];
    const items = valueAt(context.values, part.$each);
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items) || items.some((item) => typeof item === "object" && item !== null)) {
      throw InputError.field(`/values${part.$each}`, "type", "must be a list of texts");
    }
    return items.map((item) => String(item));
  });
}
