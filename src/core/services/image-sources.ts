// Where the disks of a managed image or an image version come from: a managed disk or snapshot,
// a VHD at a URL, a managed image, or another gallery's image version. Each source becomes a
// list of pending disks: content already stored somewhere (copied, never re-read), or a URL to
// ingest. The rules of the contract about which source may be used where are checked here.

import { errors, type ArmError } from "../errors.js";
import { diskKind, snapshotKind } from "../disk-kinds.js";
import type { ContentPlace, DiskContentRef } from "../../ports/disk-content.js";
import type { ResourceRecord } from "../../ports/metadata-store.js";
import type { TrackedResources } from "./tracked-resources.js";

type Props = Record<string, unknown>;

/** One disk of an image: its LUN (undefined for the OS disk) and what it is made from. */
export interface PendingDisk {
  lun?: number;
  /** Where the source said it came from (the property path), for errors. */
  target: string;
  sourceId?: string;
  /** Content to copy, when the source already holds bytes. */
  content?: DiskContentRef;
  /** A URL to ingest otherwise. */
  uri?: string;
  hostCaching?: string;
}

/** What a source says about the OS, where it knows it: checked against the image definition. */
export interface SourceTraits {
  osType?: string;
  osState?: string;
  hyperVGeneration?: string;
}

export interface ResolvedSource {
  disks: PendingDisk[];
  traits: SourceTraits;
}

/** The disks of an image-like resource (managed image, image version), region-independent. */
export interface ImageDisk {
  lun?: number;
  manifestDigest: string;
  size: number;
  occupiedBytes: number;
  hostCaching?: string;
}

/** What a resource that holds image disks answers: which disks, and in which regions they are complete. */
export interface ImageHolder {
  /** Its disks, the regions where they are complete, and where to read them in one of those regions. */
  disksOf(record: ResourceRecord): { disks: ImageDisk[]; completeIn: ReadonlySet<string>; placeIn(region: string): ContentPlace } | undefined;
  traitsOf(record: ResourceRecord): Promise<SourceTraits>;
}

const TYPE_SEGMENT = /\/providers\/Microsoft\.Compute\/([^/]+)(?:\/[^/]+\/([^/]+))?(?:\/[^/]+\/([^/]+))?/i;

/** The resource type an id names, lower case, e.g. microsoft.compute/galleries/images/versions. */
export function computeTypeOf(id: string): string | undefined {
  const match = TYPE_SEGMENT.exec(id);
  if (!match) return undefined;
  return ["microsoft.compute", ...match.slice(1).filter(Boolean)].join("/").toLowerCase();
}

export class ImageSources {
  constructor(
    private readonly resources: TrackedResources,
    private readonly holders: ReadonlyMap<string, ImageHolder>,
  ) {}

  /** A managed disk or snapshot (`id`) or a VHD URL (`uri`) as one disk of an image in `location`. */
  async diskSource(source: { id?: string; uri?: string }, location: string, target: string, lun?: number): Promise<{ disk: PendingDisk; traits: SourceTraits }> {
    if (source.uri !== undefined && source.id === undefined) {
      if (!/^https?:\/\//i.test(source.uri)) throw errors.invalidParameter(`The VHD uri ${source.uri} must be an http(s) URL the server can read.`, `${target}.uri`);
      return { disk: { lun, target, uri: source.uri }, traits: {} };
    }
    const id = source.id ?? "";
    const record = await this.find(id, `${target}.id`);
    if (record.type !== diskKind.type && record.type !== snapshotKind.type) throw errors.versionSourceWrongKind(id, `${target}.id`, true);
    const content = (record.internal as { content?: DiskContentRef } | undefined)?.content;
    if (!content || record.location !== location) throw errors.versionSourceNotFound(id, `${target}.id`);
    const props = (record.body.properties ?? {}) as Props;
    return {
      disk: { lun, target, sourceId: record.id, content },
      traits: { osType: props.osType as string | undefined, hyperVGeneration: props.hyperVGeneration as string | undefined },
    };
  }

  /**
   * A whole image as the source: a managed image in the same region, or an image version
   * complete in some region (copied from there; other subscriptions too).
   */
  async imageSource(id: string, location: string, target: string): Promise<ResolvedSource> {
    const type = computeTypeOf(id);
    if (type === "microsoft.compute/virtualmachines") throw errors.virtualMachineSourceNotSupported(id, target);
    const record = await this.find(id, target);
    const holder = this.holders.get(record.type.toLowerCase());
    if (!holder) throw errors.versionSourceWrongKind(id, target, false);
    const held = holder.disksOf(record);
    if (!held || held.completeIn.size === 0) throw errors.versionSourceNotFound(id, target);
    const from = held.completeIn.has(location) ? location : [...held.completeIn][0]!;
    if (record.type !== "Microsoft.Compute/galleries/images/versions" && from !== location) throw errors.versionSourceNotFound(id, target);
    return {
      disks: held.disks.map((disk) => ({
        lun: disk.lun,
        target,
        sourceId: record.id,
        hostCaching: disk.hostCaching,
        content: { ...held.placeIn(from), manifestDigest: disk.manifestDigest, size: disk.size, occupiedBytes: disk.occupiedBytes },
      })),
      traits: await holder.traitsOf(record),
    };
  }

  private async find(id: string, target: string): Promise<ResourceRecord> {
    if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i.test(id)) throw errors.invalidSourceId(id, target);
    const record = await this.resources.find(id);
    if (!record) throw errors.versionSourceNotFound(id, target);
    return record;
  }
}

/** Refuses a source whose OS type, state or generation differs from the definition's. */
export function checkTraits(sourceId: string, traits: SourceTraits, definition: SourceTraits): ArmError | undefined {
  const differs = (a?: string, b?: string) => a !== undefined && b !== undefined && a.toLowerCase() !== b.toLowerCase();
  if (differs(definition.osType, traits.osType)) return errors.definitionMismatch(sourceId, "OS type", definition.osType!, traits.osType!);
  if (differs(definition.osState, traits.osState)) return errors.definitionMismatch(sourceId, "OS State", definition.osState!, traits.osState!);
  if (differs(definition.hyperVGeneration, traits.hyperVGeneration)) {
    return errors.definitionMismatch(sourceId, "Hypervisor generation", definition.hyperVGeneration!, traits.hyperVGeneration!);
  }
  return undefined;
}
