import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { endQuietlyOnClosedPipe } from "./closed-pipe.js";

const failure = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe("a closed pipe", () => {
  it("ends the command with 141, as the shell reports git and coreutils killed by SIGPIPE, and rethrows any other error", () => {
    const [stdout, stderr] = [new EventEmitter(), new EventEmitter()];
    const exits: number[] = [];
    endQuietlyOnClosedPipe([stdout, stderr], (code) => void exits.push(code));
    stdout.emit("error", failure("EPIPE"));
    stderr.emit("error", failure("EPIPE"));
    expect(exits).toEqual([141, 141]);
    expect(() => stdout.emit("error", failure("EIO"))).toThrow("write EIO");
  });
});
