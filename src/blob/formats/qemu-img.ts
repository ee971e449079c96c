// qemu-img, where it is installed (Debian package qemu-utils): the data map of a sparse raw file
// (Node's fs cannot ask the kernel for holes) and the conversion of formats that are not read
// natively (VHDX, VMDK, compressed qcow2) into a sparse raw file.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { DiskImageError, type DiskFormat, type Extent } from "../disk-image.js";
import { appendExtent } from "./extents.js";

const QEMU_IMG = "qemu-img";
const STDERR_LIMIT = 16 * 1024;

const QEMU_FORMATS: Record<DiskFormat, string> = {
  raw: "raw",
  "vhd-fixed": "vpc",
  "vhd-dynamic": "vpc",
  qcow2: "qcow2",
  vhdx: "vhdx",
  vmdk: "vmdk",
};

let availability: Promise<boolean> | undefined;

/** Whether qemu-img runs here; asked once per process. */
export function qemuImgAvailable(): Promise<boolean> {
  availability ??= runQemuImg(["--version"]).then(
    () => true,
    () => false,
  );
  return availability;
}

/** The ranges of the image's virtual disk that hold data, merged, from `qemu-img map`. */
export async function qemuImgMap(path: string, format: DiskFormat): Promise<Extent[]> {
  const extents: Extent[] = [];
  await runQemuImg(["map", "--output=json", "-f", QEMU_FORMATS[format], localPath(path)], (line) => {
    // One entry a line: `[{...},`, `{...},` ... `{...}]`.
    const json = line.trim().replace(/^\[/, "").replace(/[,\]]$/, "");
    if (json === "") return;
    const entry = JSON.parse(json) as { start: number; length: number; data: boolean; zero: boolean };
    if (entry.data && !entry.zero) appendExtent(extents, entry.start, entry.length);
  });
  return extents;
}

/** Converts the image to a raw file at `outPath`; qemu-img skips zeros, so the output is sparse. */
export async function qemuImgConvertToRaw(path: string, format: DiskFormat, outPath: string): Promise<void> {
  await runQemuImg(["convert", "-f", QEMU_FORMATS[format], "-O", "raw", localPath(path), localPath(outPath)]);
}

/**
 * An absolute path: qemu-img reads "name:..." as a protocol (nbd:, json:, ...), which a path
 * that starts with "/" can never be taken for.
 */
function localPath(path: string): string {
  return resolve(path);
}

function runQemuImg(args: string[], onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(QEMU_IMG, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let failure: Error | undefined;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (failure || !onLine) return;
      try {
        onLine(line);
      } catch (error) {
        failure = new DiskImageError(`qemu-img ${args[0]} printed output that could not be read: ${(error as Error).message}`, "malformed");
        child.kill();
      }
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new DiskImageError("qemu-img is not installed on the server (Debian package qemu-utils).", "unsupported")
          : new DiskImageError(`qemu-img could not be run: ${error.message}`, "unsupported"),
      );
    });
    child.on("close", (code, signal) => {
      if (failure) reject(failure);
      else if (code === 0) resolvePromise();
      else reject(new DiskImageError(`qemu-img ${args[0]} failed (${signal ?? `exit code ${code}`}): ${stderr.trim() || "no message"}`, "malformed"));
    });
  });
}
