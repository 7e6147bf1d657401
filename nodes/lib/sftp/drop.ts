/**
 * Writing one outbound file so that a reader never sees half of it and a re-send never makes a
 * second one: upload under a temporary name in the same folder, then rename to the final name.
 * The final name is the idempotency key: when it is there already, nothing is written.
 */
import type { RemoteFiles } from "./connection";
import { remoteJoin } from "./names";

export type DropOutcome = "written" | "exists";

/** The temporary name readers are told to ignore: a leading dot and a `.part` suffix. */
export function temporaryName(name: string): string {
  return `.${name}.part`;
}

export async function dropFile(remote: RemoteFiles, folder: string, name: string, content: Buffer): Promise<DropOutcome> {
  const target = remoteJoin(folder, name);
  if (await remote.exists(target)) return "exists";
  // One fixed temporary name per file: a re-send after a crash overwrites its own leftover.
  const temp = remoteJoin(folder, temporaryName(name));
  await remote.write(temp, content);
  try {
    await remote.rename(temp, target);
  } catch (err) {
    // Another writer (or an earlier attempt whose answer was lost) got there first.
    if (await remote.exists(target)) {
      await remote.remove(temp).catch(() => undefined);
      return "exists";
    }
    throw err;
  }
  return "written";
}
