// The Redis test harness itself: a private server that starts, restarts on its port, stops without a trace,
// can keep its data across restarts, and can require auth.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import { describe, test } from "node:test";
import { checkLeaks } from "./leaks.ts";
import { startRedis } from "./redis-server.ts";

checkLeaks();

type Reply = string | number | null | Error | Reply[];

/**
 * Sends the commands in one round trip on a fresh connection and returns one reply each; an error reply is
 * returned, not thrown. A minimal RESP2 client, so the harness is tested without any client library.
 */
function redis(port: number, ...commands: string[][]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let replies: Reply[] = [];
    socket.once("error", reject);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      replies = [];
      for (let at = 0; replies.length < commands.length;) {
        const parsed = parseReply(received, at);
        if (parsed === undefined) return;
        replies.push(parsed[0]);
        at = parsed[1];
      }
      socket.end();
    });
    socket.once("close", () => {
      if (replies.length === commands.length) resolve(replies);
      else reject(new Error(`the connection closed after ${replies.length} of ${commands.length} replies`));
    });
    const bulk = (arg: string) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    socket.write(commands.map((args) => `*${args.length}\r\n${args.map(bulk).join("")}`).join(""));
  });
}

/** The reply that starts at `at` and where the next one starts, or undefined if it has not all arrived. */
function parseReply(buffer: Buffer, at: number): [Reply, number] | undefined {
  const eol = buffer.indexOf("\r\n", at);
  if (eol < 0) return undefined;
  const line = buffer.toString("utf8", at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buffer[at] ?? 0)) {
    case "+":
      return [line, next];
    case "-":
      return [new Error(line), next];
    case ":":
      return [Number(line), next];
    case "$": {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString("utf8", next, next + length), next + length + 2];
    }
    case "*": {
      const items: Reply[] = [];
      let position = next;
      for (let i = 0; i < Number(line); i++) {
        const item = parseReply(buffer, position);
        if (item === undefined) return undefined;
        items.push(item[0]);
        position = item[1];
      }
      return [items, position];
    }
    default:
      throw new Error(`unexpected reply: ${buffer.toString("utf8", at)}`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ESRCH");
    return false;
  }
}

const refused = { code: "ECONNREFUSED" };

describe("startRedis", { timeout: 60_000 }, () => {
  test("starts its own server on a free loopback port, without persistence, and answers commands", async () => {
    await using server = await startRedis();
    assert.notEqual(server.port, 6379);
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    assert.equal(server.authUrl, server.url);
    assert.match(server.output(), /Ready to accept connections/);
    const replies = await redis(
      server.port,
      ["PING"],
      ["SET", "greeting", "héllo"],
      ["GET", "greeting"],
      ["CONFIG", "GET", "save"],
      ["CONFIG", "GET", "appendonly"],
      ["CONFIG", "GET", "bind"],
    );
    assert.deepEqual(replies, [
      "PONG",
      "OK",
      "héllo",
      ["save", ""],
      ["appendonly", "no"],
      ["bind", "127.0.0.1"],
    ]);
  });

  test("two servers at once get two ports", async () => {
    await using first = await startRedis();
    await using second = await startRedis();
    assert.notEqual(first.port, second.port);
    assert.deepEqual(await redis(second.port, ["PING"]), ["PONG"]);
  });

  test("restart keeps the port, accepts connections again and starts empty", async () => {
    await using server = await startRedis();
    const { port, pid } = server;
    assert.deepEqual(await redis(port, ["SET", "key", "value"]), ["OK"]);
    await server.restart();
    assert.equal(server.port, port);
    assert.notEqual(server.pid, pid);
    assert.deepEqual(await redis(port, ["PING"], ["GET", "key"]), ["PONG", null]);
  });

  test("persist keeps the data across a stop, a crash and a restart; disposing removes it", async () => {
    const server = await startRedis({ persist: true });
    let dir: string | undefined;
    try {
      const [[, configured]] = (await redis(server.port, ["CONFIG", "GET", "dir"])) as [[string, string]];
      dir = configured;
      assert.deepEqual(await redis(server.port, ["CONFIG", "GET", "appendonly"], ["SET", "kept", "1"]), [
        ["appendonly", "yes"],
        "OK",
      ]);
      await server.restart();
      assert.deepEqual(await redis(server.port, ["GET", "kept"], ["SET", "written", "2"]), ["1", "OK"]);
      // Written before the reply: a crash right after loses nothing.
      await server.kill();
      await server.restart();
      assert.deepEqual(await redis(server.port, ["MGET", "kept", "written"]), [["1", "2"]]);
      await server.stop();
      assert.equal(existsSync(dir), true, "a stopped persistent server keeps its data");
      await server.restart();
      assert.deepEqual(await redis(server.port, ["GET", "kept"]), ["1"]);
    } finally {
      await server[Symbol.asyncDispose]();
    }
    assert.equal(existsSync(dir), false, "disposing removed the data");
  });

  test("without persist, each start's directory goes with its process", async () => {
    const server = await startRedis();
    const [[, dir]] = (await redis(server.port, ["CONFIG", "GET", "dir"])) as [[string, string]];
    assert.equal(existsSync(dir), true);
    await server.restart();
    assert.equal(existsSync(dir), false, "the first start's directory outlived its process");
    const [[, second]] = (await redis(server.port, ["CONFIG", "GET", "dir"])) as [[string, string]];
    await server[Symbol.asyncDispose]();
    assert.equal(existsSync(second), false);
  });

  test("kill ends the server at once, as a crash; restart brings it back on the same port", async () => {
    await using server = await startRedis();
    const pid = server.pid;
    assert.ok(pid !== undefined);
    await server.kill();
    assert.equal(isRunning(pid), false);
    assert.equal(server.pid, undefined);
    await assert.rejects(redis(server.port, ["PING"]), refused);
    await server.restart();
    assert.deepEqual(await redis(server.port, ["PING"]), ["PONG"]);
  });

  test("stop leaves no process and no listener; stopping twice is harmless", async (t) => {
    const server = await startRedis();
    t.after(() => server.stop()); // in case the test fails before it stops the server itself
    const pid = server.pid;
    assert.ok(pid !== undefined && isRunning(pid));
    await server.stop();
    assert.equal(isRunning(pid), false);
    await assert.rejects(redis(server.port, ["PING"]), refused);
    await server.stop();
    await server[Symbol.asyncDispose]();
  });

  test("await using stops the server at the end of the block", async () => {
    let pid: number | undefined;
    {
      await using server = await startRedis();
      pid = server.pid;
    }
    assert.ok(pid !== undefined);
    assert.equal(isRunning(pid), false);
  });

  test("requirepass refuses unauthenticated commands with NOAUTH", async () => {
    await using server = await startRedis({ password: "s3cret" });
    assert.equal(server.authUrl, `redis://:s3cret@127.0.0.1:${server.port}`);
    const [ping] = await redis(server.port, ["PING"]);
    assert.ok(ping instanceof Error);
    assert.match(ping.message, /^NOAUTH/);
    const [wrong] = await redis(server.port, ["AUTH", "nope"]);
    assert.ok(wrong instanceof Error);
    assert.match(wrong.message, /^WRONGPASS/);
    assert.deepEqual(await redis(server.port, ["AUTH", "s3cret"], ["PING"]), ["OK", "PONG"]);
  });

  test("an ACL user is the only one let in: the default user is off", async () => {
    await using server = await startRedis({ user: { name: "weft", password: "pa55" } });
    assert.equal(server.authUrl, `redis://weft:pa55@127.0.0.1:${server.port}`);
    const [ping] = await redis(server.port, ["PING"]);
    assert.ok(ping instanceof Error);
    assert.match(ping.message, /^NOAUTH/);
    assert.deepEqual(
      await redis(server.port, ["AUTH", "weft", "pa55"], ["SET", "k", "v"], ["ACL", "WHOAMI"]),
      ["OK", "OK", "weft"],
    );
  });

  test("restart fails with the server's output if something else took the port meanwhile", async () => {
    await using server = await startRedis();
    await server.kill();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(server.port, "127.0.0.1", resolve));
    try {
      await assert.rejects(
        server.restart(),
        /exited before it accepted connections[^]*Address already in use/,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  test("a server that exits before it is ready fails the start with its output", async () => {
    // node rejects redis-server's flags and exits at once.
    await assert.rejects(startRedis({ bin: process.execPath }), (error: Error) => {
      assert.match(error.message, /exited before it accepted connections/);
      assert.match(error.message, /bad option: --port/);
      return true;
    });
  });

  test("a missing redis-server names the package to install", async () => {
    await assert.rejects(startRedis({ bin: "/nonexistent/redis-server" }), /apt-get install redis-server/);
  });
});
