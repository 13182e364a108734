// One long-lived `git cat-file --batch-command`: reads of objects, trees and refs cost a
// round trip on a pipe instead of a process start. It sees objects and refs written by
// other processes (git re-reads refs and re-scans packs on a miss).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

export interface GitObject {
  readonly oid: string;
  readonly type: "blob" | "tree" | "commit" | "tag";
  readonly content: Buffer;
}

interface Pending {
  readonly withContent: boolean;
  readonly resolve: (value: GitObject | undefined) => void;
  readonly reject: (error: Error) => void;
}

export class CatFile {
  private child: ChildProcessWithoutNullStreams | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private closed = false;
  private corked = false;

  constructor(
    private readonly git: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The object's id and type, or undefined when missing. */
  info(name: string): Promise<GitObject | undefined> {
    return this.request(`info ${name}`, false);
  }

  /** The object with its content, or undefined when missing. */
  contents(name: string): Promise<GitObject | undefined> {
    return this.request(`contents ${name}`, true);
  }

  /** Ends the process; later requests are refused (a new process would outlive the repository's user). */
  close(): void {
    this.closed = true;
    this.child?.stdin.end();
    this.child = undefined;
  }

  private request(command: string, withContent: boolean): Promise<GitObject | undefined> {
    if (this.closed) return Promise.reject(new Error("the repository is closed"));
    if (/[\n\r]/.test(command)) return Promise.reject(new Error("object names cannot contain line breaks"));
    const child = this.process();
    // Requests made in the same tick (a batch of reads asked for together) go out in one write:
    // one system call and one wake-up of git instead of one each.
    if (!this.corked) {
      this.corked = true;
      child.stdin.cork();
      process.nextTick(() => {
        this.corked = false;
        child.stdin.uncork();
      });
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ withContent, resolve, reject });
      child.stdin.write(`${command}\n`);
    });
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.git, ["cat-file", "--batch-command"], { env: this.env, stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const fail = (reason: string) => {
      if (this.child === child) this.child = undefined;
      this.buffer = Buffer.alloc(0);
      for (const waiting of this.pending.splice(0)) waiting.reject(new Error(`git cat-file ${reason}: ${stderr.trim()}`));
    };
    child.on("exit", (code) => fail(`exited (${code})`));
    child.on("error", (error) => fail(error.message));
    child.stdin.on("error", () => {});
    this.child = child;
    return child;
  }

  private drain(): void {
    for (;;) {
      const next = this.pending[0];
      if (!next) return;
      const newline = this.buffer.indexOf(10);
      if (newline < 0) return;
      const header = this.buffer.subarray(0, newline).toString("utf8");
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.pending.shift();
        next.resolve(undefined);
        continue;
      }
      const [oid, type, sizeText] = header.split(" ");
      const size = Number(sizeText);
      if (!oid || !type || !Number.isInteger(size)) {
        this.pending.shift();
        next.reject(new Error(`unexpected git cat-file output: ${header}`));
        continue;
      }
      if (!next.withContent) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.pending.shift();
        next.resolve({ oid, type: type as GitObject["type"], content: Buffer.alloc(0) });
        continue;
      }
      const end = newline + 1 + size;
      if (this.buffer.length < end + 1) return; // wait for the content and its trailing newline
      const content = Buffer.from(this.buffer.subarray(newline + 1, end));
      this.buffer = this.buffer.subarray(end + 1);
      this.pending.shift();
      next.resolve({ oid, type: type as GitObject["type"], content });
    }
  }
}

export interface RawTreeEntry {
  readonly mode: string;
  readonly name: string;
  readonly oid: string;
}

/** Parses git's binary tree format: `<mode> <name>\0<20-byte id>` repeated. */
export function parseTree(content: Buffer): RawTreeEntry[] {
  const entries: RawTreeEntry[] = [];
  let offset = 0;
  while (offset < content.length) {
    const space = content.indexOf(32, offset);
    const nul = content.indexOf(0, space);
    const mode = content.subarray(offset, space).toString("ascii");
    const name = content.subarray(space + 1, nul).toString("utf8");
    const oid = content.subarray(nul + 1, nul + 21).toString("hex");
    entries.push({ mode, name, oid });
    offset = nul + 21;
  }
  return entries;
}
