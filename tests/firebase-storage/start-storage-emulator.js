// Starts only the Cloud Storage emulator's HTTP server from firebase-tools (pinned in package.json) without the
// Firebase CLI, Java or the rules runtime: our tests use the Cloud Storage JSON API routes, which go through the
// emulator's admin storage layer and never evaluate security rules.
//
// Usage: node start-storage-emulator.js [port]   (no port or 0 = OS-assigned)
// Prints one line {"port":N} on stdout when listening on 127.0.0.1; runs until stdin closes.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

// Internal modules of firebase-tools 15.34.2 (not a public API; re-check these paths when changing the version).
const { StorageEmulator } = require("firebase-tools/lib/emulator/storage/index");
const { createApp } = require("firebase-tools/lib/emulator/storage/server");
const { EmulatorRegistry } = require("firebase-tools/lib/emulator/registry");
const { Emulators } = require("firebase-tools/lib/emulator/types");

const projectId = "demo-skypilot";
const requestedPort = Number(process.argv[2] || 0);

// The emulator keeps blobs in <os tmpdir>/firebase/storage/blobs, shared by every instance on the machine; give this
// one a private directory (getPersistenceTmpDir is called from the constructor) and remove it on exit.
const blobs = fs.mkdtempSync(path.join(os.tmpdir(), "skyps-firebase-storage-"));
class PrivateStorageEmulator extends StorageEmulator {
  getPersistenceTmpDir() {
    return blobs;
  }
}

async function main() {
  // The constructor only creates the rules runtime and manager objects; StorageEmulator.start() would start them
  // (Java + a downloaded jar), so build the express app directly instead of calling start().
  const emulator = new PrivateStorageEmulator({ projectId, host: "127.0.0.1", port: requestedPort });
  const app = await createApp(projectId, emulator);
  const server = app.listen(requestedPort, "127.0.0.1", () => {
    // Bucket and object resources build selfLink/mediaLink from the registered instance's host and port
    // (EmulatorRegistry.url), so register it (without EmulatorRegistry.start) once the real port is known.
    emulator.args.port = server.address().port;
    EmulatorRegistry.set(Emulators.STORAGE, emulator);
    process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
  });
  server.on("error", (err) => {
    console.error(String(err));
    shutdown(1);
  });

  let stopping = false;
  function shutdown(code) {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections?.();
    fs.rmSync(blobs, { recursive: true, force: true });
    process.exit(code);
  }

  process.stdin.on("end", () => shutdown(0));
  process.stdin.on("error", () => shutdown(0));
  process.stdin.resume();
  process.on("SIGTERM", () => shutdown(0));
  process.on("SIGINT", () => shutdown(0));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  fs.rmSync(blobs, { recursive: true, force: true });
  process.exit(1);
});
