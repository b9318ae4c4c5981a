/**
 * Makes sure the node has the pause image (without it no pod starts) and busybox:local: when
 * CRI does not know one of them and the host has busybox-static, the module builds the archive
 * itself (the same bytes `npm run images` writes) and imports it. So a plain `k3ts server` as
 * root runs pods without a registry and without copying airgap images first.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../../plugins/mod.ts";
import { runCtr } from "./airgap.ts";
import type { CriClient } from "./cri-client.ts";
import { ARCHIVE_FILES, BUSYBOX_IMAGE, DEFAULT_MTIME, imageDefinitions, PAUSE_IMAGE } from "./images.ts";
import { buildImage } from "./oci-image.ts";

export interface LocalImagesOptions {
  client: CriClient;
  socket: string;
  snapshotter: string;
  /** Where generated archives are written before import. */
  workDir: string;
  log: Logger;
  signal: AbortSignal;
  busybox?: string;
}

export async function ensureLocalImages(options: LocalImagesOptions): Promise<void> {
  const { client, log } = options;
  const missing: ("pause" | "busybox")[] = [];
  if (!(await client.imageStatus({ image: PAUSE_IMAGE }))) missing.push("pause");
  if (!(await client.imageStatus({ image: BUSYBOX_IMAGE }))) missing.push("busybox");
  if (missing.length === 0) return;
  const busybox = options.busybox ?? "/bin/busybox";
  if (!existsSync(busybox)) {
    const what = missing.map((m) => (m === "pause" ? PAUSE_IMAGE : BUSYBOX_IMAGE)).join(" and ");
    log.warn(`${what} not present and ${busybox} is missing to build them: pods will not start until ${what} is imported (npm run images; copy build/images/*.tar into <data-dir>/agent/images/)`);
    return;
  }
  const definitions = imageDefinitions({ busybox });
  mkdirSync(options.workDir, { recursive: true });
  for (const key of missing) {
    const image = buildImage(definitions[key], DEFAULT_MTIME);
    const file = join(options.workDir, ARCHIVE_FILES[key]);
    writeFileSync(file, image.archive);
    log.info(`building ${image.name} from ${busybox} and importing it`);
    await runCtr("ctr", ["--address", options.socket, "--namespace", "k8s.io", "images", "import", "--snapshotter", options.snapshotter, file], options.signal);
  }
}
