#!/usr/bin/env node
// Prints a bcrypt hash for the users file (LSYNC_USERS_FILE), the way Node-RED checks passwords.
// Usage: npm run --silent hash-pw            (asks for the password, not echoed)
//        printf '%s' "$PW" | npm run --silent hash-pw
// The password is read from the terminal or stdin, never from the command line (shell history).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// bcryptjs comes with Node-RED (@node-red/editor-api uses it to check these hashes).
const bcrypt = require("bcryptjs");

async function readPassword() {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) {
    let text = "";
    for await (const chunk of stdin) text += chunk;
    return text.replace(/\r?\n$/, "");
  }
  stderr.write("Password: ");
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  return new Promise((resolve) => {
    let pw = "";
    stdin.on("data", (ch) => {
      if (ch === "\r" || ch === "\n" || ch === "\u0004") {
        stdin.setRawMode(false);
        stdin.pause();
        stderr.write("\n");
        resolve(pw);
      } else if (ch === "\u0003") {
        process.exit(130);
      } else if (ch === "\u007f") {
        pw = pw.slice(0, -1);
      } else {
        pw += ch;
      }
    });
  });
}

const password = await readPassword();
if (password.length < 8) {
  console.error("hash-pw: use a password of at least 8 characters");
  process.exit(1);
}
console.log(bcrypt.hashSync(password, 10));
