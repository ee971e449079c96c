// An image version's storageProfile, disk by disk: resolving per-disk sources (osDiskImage and
// dataDiskImages[] with LUNs) under the contract's rules, and filling in what the service knows
// of each disk (sizeInGB, hostCaching, and Vitrine's content digest and sizes).

import { errors } from "../errors.js";
import type { DiskContent, DiskContentRef } from "../../ports/disk-content.js";
import type { ImageDisk, ImageSources, PendingDisk, ResolvedSource, SourceTraits } from "./image-sources.js";

const GIB = 1024 ** 3;

interface DiskSource {
  id?: string;
  uri?: string;
  storageAccountId?: string;
}

interface DiskImageProps {
  lun?: number;
  source?: DiskSource;
  hostCaching?: string;
  sizeInGB?: number;
  [key: string]: unknown;
}

export interface ImageDiskProps {
  osDiskImage?: DiskImageProps;
  dataDiskImages?: DiskImageProps[];
  [key: string]: unknown;
}

/** The per-disk sources of a storage profile, each resolved; the OS disk's traits are the image's. */
export async function buildDisks(sources: ImageSources, profile: ImageDiskProps, location: string, root: string): Promise<ResolvedSource> {
  const entries: Array<{ props: DiskImageProps; target: string; lun?: number }> = [];
  if (profile.osDiskImage?.source) entries.push({ props: profile.osDiskImage, target: `${root}.osDiskImage.source` });
  (profile.dataDiskImages ?? []).forEach((props, i) => entries.push({ props, target: `${root}.dataDiskImages[${i}].source`, lun: props.lun }));

  const luns = entries.filter((e) => e.lun !== undefined).map((e) => e.lun);
  if (new Set(luns).size !== luns.length) throw errors.duplicateLuns();
  const named = entries.map((e) => (e.props.source?.id ?? e.props.source?.uri ?? "").toLowerCase()).filter(Boolean);
  if (new Set(named).size !== named.length) throw errors.duplicateSources();

  const disks: PendingDisk[] = [];
  let traits: SourceTraits = {};
  for (const entry of entries) {
    const resolved = await sources.diskSource(entry.props.source ?? {}, location, entry.target, entry.lun);
    disks.push({ ...resolved.disk, hostCaching: entry.props.hostCaching });
    if (entry.lun === undefined) traits = resolved.traits;
  }
  if (!disks.some((disk) => disk.lun === undefined)) throw errors.requiredParameterMissing(`${root}.osDiskImage.source`);
  return { disks, traits };
}

type KnownDisk = Pick<PendingDisk, "lun" | "hostCaching"> & { content?: Pick<DiskContentRef, "size">; manifestDigest?: string; size?: number; occupiedBytes?: number };

/**
 * The storage profile's disks with what is known of them: sizeInGB and hostCaching (defaults
 * ReadWrite for the OS disk, None for data disks), and once the bytes are in, the content digest,
 * size and occupied bytes (docs/content-digest.md).
 */
export function diskProperties(profile: ImageDiskProps, disks: ReadonlyArray<PendingDisk | ImageDisk>): ImageDiskProps {
  const describe = (disk: KnownDisk, given: DiskImageProps | undefined): DiskImageProps => {
    const size = disk.size ?? disk.content?.size;
    return {
      ...given,
      ...(disk.lun !== undefined && { lun: disk.lun }),
      hostCaching: given?.hostCaching ?? disk.hostCaching ?? (disk.lun === undefined ? "ReadWrite" : "None"),
      ...(size !== undefined && { sizeInGB: Math.ceil(size / GIB) }),
      ...(disk.manifestDigest !== undefined && { contentDigest: `sha256:${disk.manifestDigest}`, sizeBytes: disk.size, occupiedSizeBytes: disk.occupiedBytes }),
    };
  };
  const os = disks.find((disk) => disk.lun === undefined);
  const data = disks.filter((disk) => disk.lun !== undefined);
  return {
    ...profile,
    ...(os && { osDiskImage: describe(os as KnownDisk, profile.osDiskImage) }),
    ...(data.length > 0 && {
      dataDiskImages: data.map((disk) => describe(disk as KnownDisk, profile.dataDiskImages?.find((given) => given.lun === disk.lun))),
    }),
  };
}

/**
 * Brings pending disks into `region`: content already stored is copied (only the chunks the
 * region lacks), URLs are ingested. `onProgress` gets bytes done of the bytes known so far.
 */
export async function bringDisks(
  content: DiskContent,
  pending: readonly PendingDisk[],
  region: string,
  check: (disk: PendingDisk, content: DiskContentRef) => void,
  onProgress: (bytesDone: number, bytesTotal: number) => void,
): Promise<ImageDisk[]> {
  const known = pending.reduce((sum, disk) => sum + (disk.content?.occupiedBytes ?? 0), 0);
  const disks: ImageDisk[] = [];
  let before = 0;
  for (const disk of pending) {
    const report = (done: number, size: number) => onProgress(before + done, Math.max(known, before + size));
    const brought = disk.content
      ? await content.copyTo(disk.content, { region }, (p) => report(p.bytesDone, p.bytesTotal))
      : await content.importFromUrl(region, disk.uri ?? "", (p) => report(p.bytesRead, p.bytesTotal));
    check(disk, brought);
    before += brought.occupiedBytes;
    disks.push({ lun: disk.lun, manifestDigest: brought.manifestDigest, size: brought.size, occupiedBytes: brought.occupiedBytes, hostCaching: disk.hostCaching });
  }
  return disks;
}
