// A test, run by node and never bundled: the real shell reads the commands the portal writes.
// eslint-disable-next-line no-restricted-imports
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { awsConfig, endpointUrl, identifier, mcConfig, noobaaKeysCommand, rcloneConfig, s3ClientConfigs, shellWord, type S3Access } from "./s3-config.js";

const access: S3Access = {
  bucket: "climate-data",
  endpoint: "http://127.0.0.1:7480",
  region: "default",
  pathStyle: true,
  accessKeyId: "AKIAPLATEAU0EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

/** What a POSIX shell makes of lines: the words of each, as `sh` splits them (one shell for all: starting one is slow). */
function wordsOf(lines: readonly string[]): string[][] {
  const script = lines.map((line) => `printf '%s\\0' ${line}\nprintf '\\001\\0'`).join("\n");
  return execFileSync("sh", ["-c", script], { encoding: "utf8" })
    .split("\u0001\0")
    .slice(0, -1)
    .map((words) => words.split("\0").slice(0, -1));
}
const words = (line: string): string[] => wordsOf([line])[0] ?? [];

/** An INI file's sections and key = value pairs, as aws and rclone read them (no quoting, one line each). */
function ini(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split("\n")) {
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section?.[1]) sections[section[1]] = current = {};
    else if (/^\S+ = /.test(line) && current) {
      const at = line.indexOf(" = ");
      current[line.slice(0, at)] = line.slice(at + 3);
    }
  }
  return sections;
}

describe("the S3 clients' configurations", () => {
  it("writes the aws profile, its config with the endpoint and path-style addressing, and the listing command", () => {
    const aws = awsConfig(access);
    expect(aws.files.map((file) => file.path)).toEqual(["~/.aws/credentials", "~/.aws/config"]);
    expect(ini(aws.files[0]?.text ?? "")).toEqual({ "climate-data": { aws_access_key_id: access.accessKeyId, aws_secret_access_key: access.secretAccessKey } });
    expect(aws.files[1]?.text).toBe("[profile climate-data]\nregion = default\nendpoint_url = http://127.0.0.1:7480\ns3 =\n  addressing_style = path\n");
    expect(aws.commands).toEqual(["aws --profile climate-data --endpoint-url http://127.0.0.1:7480 s3 ls s3://climate-data"]);
    expect(words(aws.commands[0] ?? "")).toEqual([
      "aws",
      "--profile",
      "climate-data",
      "--endpoint-url",
      "http://127.0.0.1:7480",
      "s3",
      "ls",
      "s3://climate-data",
    ]);
    expect(awsConfig({ ...access, pathStyle: false }).files[1]?.text).toContain("addressing_style = virtual");
  });

  it("writes mc's alias and rclone's remote of type s3, provider Ceph", () => {
    const mc = mcConfig(access);
    const [set = "", list = ""] = mc.commands;
    expect(words(set)).toEqual([
      "mc",
      "alias",
      "set",
      "climate-data",
      access.endpoint,
      access.accessKeyId,
      access.secretAccessKey,
      "--api",
      "S3v4",
      "--path",
      "on",
    ]);
    expect(words(list)).toEqual(["mc", "ls", "climate-data/climate-data"]);
    const rclone = rcloneConfig(access);
    expect(rclone.files[0]?.path).toBe("~/.config/rclone/rclone.conf");
    expect(ini(rclone.files[0]?.text ?? "")).toEqual({
      "climate-data": {
        type: "s3",
        provider: "Ceph",
        access_key_id: access.accessKeyId,
        secret_access_key: access.secretAccessKey,
        endpoint: access.endpoint,
        region: "default",
        force_path_style: "true",
      },
    });
    expect(words(rclone.commands[0] ?? "")).toEqual(["rclone", "ls", "climate-data:climate-data"]);
  });

  it("quotes shell words so that the shell reads each as itself, whatever it holds", () => {
    const hostile = ["a b", "it's", "$(touch /tmp/pwned)", "`id`", "x; rm -rf ~", "'", '"\'"', "a\nb", "", "*", "~", "-n", "\\", "a\tb", "%s"];
    expect(wordsOf(hostile.map((word) => `x ${shellWord(word)}`))).toEqual(hostile.map((word) => ["x", word]));
    expect(shellWord("s3://climate-data")).toBe("s3://climate-data");
  });

  it("never lets a bucket's name, an endpoint, a region or a key break the text: names are made identifiers, bad values are refused", () => {
    // A name the server would refuse, as if a hostile one came through: the section stays one line, the commands one word each.
    const hostileBucket = "x]\n[default]\naws_access_key_id = STOLEN";
    const built = s3ClientConfigs({ ...access, bucket: hostileBucket });
    if ("problem" in built) throw new Error("the values are fine");
    const plain = s3ClientConfigs(access);
    if ("problem" in plain) throw new Error("the values are fine");
    built.configs.forEach((config, index) => {
      for (const file of config.files) {
        expect(Object.keys(ini(file.text)), `${config.client} ${file.path}`).toHaveLength(1);
        expect(file.text.split("\n")).toHaveLength(plain.configs[index]?.files.find((f) => f.path === file.path)?.text.split("\n").length ?? 0);
        expect(file.text).not.toContain("STOLEN");
      }
      // As many lines and words as for a plain name: the hostile one stays inside its word.
      const plainLines = plain.configs[index]?.commands ?? [];
      expect(wordsOf(config.commands).map((line) => line.length)).toEqual(wordsOf(plainLines).map((line) => line.length));
    });
    expect(words(built.configs[0]?.commands[0] ?? "").at(-1)).toBe(`s3://${hostileBucket}`);
    expect(identifier(hostileBucket)).toBe("x-default-aws_access_key_id-stolen".replace(/_/g, "-"));
    expect(identifier("!!!")).toBe("plateau");

    expect(s3ClientConfigs({ ...access, endpoint: "http://rgw.example.org\n[evil]" })).toEqual({ problem: "endpoint" });
    expect(s3ClientConfigs({ ...access, endpoint: "javascript:alert(1)" })).toEqual({ problem: "endpoint" });
    expect(s3ClientConfigs({ ...access, endpoint: "https://user:pw@rgw.example.org" })).toEqual({ problem: "endpoint" });
    expect(s3ClientConfigs({ ...access, endpoint: "not a url" })).toEqual({ problem: "endpoint" });
    expect(s3ClientConfigs({ ...access, region: "us east" })).toEqual({ problem: "region" });
    expect(s3ClientConfigs({ ...access, region: "eu\n[x]" })).toEqual({ problem: "region" });
    expect(s3ClientConfigs({ ...access, secretAccessKey: "abc\ndef" })).toEqual({ problem: "keys" });
    expect(s3ClientConfigs({ ...access, accessKeyId: "A K" })).toEqual({ problem: "keys" });
    expect(s3ClientConfigs({ ...access, accessKeyId: "" })).toEqual({ problem: "keys" });
  });

  it("normalizes an endpoint to one printable line, its path's odd characters percent-encoded", () => {
    expect(endpointUrl("https://s3.example.org/")).toBe("https://s3.example.org");
    expect(endpointUrl(" https://s3.example.org:8443/a b ")).toBe("https://s3.example.org:8443/a%20b");
    expect(endpointUrl("HTTPS://S3.Example.org")).toBe("https://s3.example.org");
    expect(endpointUrl("ftp://s3.example.org")).toBeUndefined();
    const quoted = endpointUrl("https://s3.example.org/it's");
    expect(words(`x ${shellWord(quoted ?? "")}`)).toEqual(["x", "https://s3.example.org/it's"]);
  });

  it("says how to read a NooBaa bucket's keys from its Secret, in the project's namespace", () => {
    expect(noobaaKeysCommand("genomics", "reads")).toBe("oc extract secret/reads -n genomics --to=-");
    expect(words(noobaaKeysCommand("a b", "x;y"))).toEqual(["oc", "extract", "secret/x;y", "-n", "a b", "--to=-"]);
  });
});
