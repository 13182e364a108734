import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { TemporaryCredentials } from "../contracts/buckets.js";
import { credentialLines, parseBucketRef, shellQuote } from "./bucket-key-commands.js";

const credentials: TemporaryCredentials = {
  accessKeyId: "AKIAEXAMPLE0123",
  secretAccessKey: "s3cr3t/with+signs=",
  expiresAt: "2026-03-01T21:00:00.000Z",
  endpoint: "https://s3.example.org",
  region: "us-east-1",
  pathStyle: true,
  buckets: ["data"],
};

describe("printed credentials", () => {
  it("as shell variables, read back by a real shell exactly, even from a hostile endpoint", () => {
    const hostile = { ...credentials, endpoint: "https://x.org/'; touch /tmp/pwned; echo '$(id)`id`\"\n" };
    const lines = credentialLines(hostile, "env", "plateau-demo");
    expect(lines).toContain("export AWS_ACCESS_KEY_ID='AKIAEXAMPLE0123'");
    expect(lines).toContain("export AWS_DEFAULT_REGION='us-east-1'");
    const printed = execFileSync("sh", ["-c", `${lines.join("\n")}\nprintf '%s' "$AWS_ENDPOINT_URL"`], { encoding: "utf8" });
    expect(printed).toBe(hostile.endpoint);
  });

  it("as an mc alias whose words a real shell reads back exactly", () => {
    const hostile = { ...credentials, secretAccessKey: "a'b c;$(id)" };
    const [line] = credentialLines(hostile, "mc", "plateau-demo");
    expect(line).toBe(`mc alias set 'plateau-demo' 'https://s3.example.org' 'AKIAEXAMPLE0123' 'a'\\''b c;$(id)' --api S3v4 --path on`);
    const words = execFileSync("sh", ["-c", `set -- ${line?.slice("mc ".length)}; printf '%s\\n' "$@"`], { encoding: "utf8" });
    expect(words.split("\n").slice(0, 6)).toEqual(["alias", "set", "plateau-demo", "https://s3.example.org", "AKIAEXAMPLE0123", "a'b c;$(id)"]);
  });

  it("as an AWS profile and an rclone remote, refusing values that could forge a line", () => {
    expect(credentialLines(credentials, "aws", "plateau-demo")).toEqual([
      "# ~/.aws/credentials (expires 2026-03-01 21:00 UTC)",
      "[plateau-demo]",
      "aws_access_key_id = AKIAEXAMPLE0123",
      "aws_secret_access_key = s3cr3t/with+signs=",
      "",
      "# ~/.aws/config",
      "[profile plateau-demo]",
      "region = us-east-1",
      "endpoint_url = https://s3.example.org",
      "s3 =",
      "  addressing_style = path",
    ]);
    expect(credentialLines(credentials, "rclone", "plateau-demo")).toEqual([
      "# rclone.conf (expires 2026-03-01 21:00 UTC)",
      "[plateau-demo]",
      "type = s3",
      "provider = Ceph",
      "access_key_id = AKIAEXAMPLE0123",
      "secret_access_key = s3cr3t/with+signs=",
      "endpoint = https://s3.example.org",
      "region = us-east-1",
      "force_path_style = true",
    ]);
    for (const format of ["aws", "rclone"] as const) {
      expect(() => credentialLines({ ...credentials, endpoint: "https://x.org\n[other]\nendpoint = https://evil" }, format, "plateau-demo")).toThrow(/safely/);
      expect(() => credentialLines({ ...credentials, region: "eu\nx = y" }, format, "plateau-demo")).toThrow(/safely/);
      expect(() => credentialLines({ ...credentials, secretAccessKey: "a b" }, format, "plateau-demo")).toThrow(/safely/);
      expect(() => credentialLines({ ...credentials, endpoint: "file:///etc/passwd" }, format, "plateau-demo")).toThrow(/safely/);
    }
    expect(() => credentialLines(credentials, "aws", "plateau-a]b")).toThrow(/profile/);
  });

  it("as JSON, the answer itself", () => {
    expect(JSON.parse(credentialLines(credentials, "json", "plateau-demo").join("\n"))).toEqual(credentials);
  });
});

describe("a bucket's reference", () => {
  it("is <project>/<bucket>, each part by its own rules", () => {
    expect(parseBucketRef("demo/my-data")).toEqual({ project: "demo", bucket: "my-data" });
    expect(() => parseBucketRef("demo")).toThrow(/project>\/<bucket/);
    expect(() => parseBucketRef("demo/ab")).toThrow();
    expect(() => parseBucketRef("Demo/data")).toThrow();
    expect(() => parseBucketRef("demo/a.b")).toThrow();
  });

  it("quotes any text as one shell word", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
