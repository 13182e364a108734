import { describe, expect, it } from "vitest";
import { createPlatformLocks } from "./serial.js";

describe("a platform's lock", () => {
  it("runs one work of a platform at a time, in order, others' at once, and a failure lets the next one in", async () => {
    const locks = createPlatformLocks();
    const order: string[] = [];
    let release = () => {};
    const first = locks.run("a", async () => {
      order.push("a1 start");
      await new Promise<void>((resolve) => (release = resolve));
      order.push("a1 end");
      throw new Error("a1 failed");
    });
    const second = locks.run("a", async () => void order.push("a2"));
    await locks.run("b", async () => void order.push("b1"));
    expect(order).toEqual(["a1 start", "b1"]);
    release();
    await expect(first).rejects.toThrow("a1 failed");
    await second;
    expect(order).toEqual(["a1 start", "b1", "a1 end", "a2"]);
  });
});
