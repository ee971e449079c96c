// Gallery application versions (Microsoft.Compute/galleries/applications/versions): the rules of
// their bodies. The publishing profile is an image version's (publishing-profile.ts) plus the
// package's source links, the manage actions and the settings, with the spec's limits. Their
// bytes (package and configuration fetched, per-region state) are in
// services/application-versions.ts.

import { errors } from "./errors.js";
import { checkPublishing, checkVersionName, finishPublishing, publishingProfileOf, PUBLISHING_UPDATABLE, type PublishingRules } from "./publishing-profile.js";
import type { ResourceKind } from "./resource-kinds.js";

type Props = Record<string, unknown>;

/** VM Applications' documented limit: "No more than 3 replicas per region". */
const MAX_REGIONAL_REPLICAS = 3;
/** The spec: manage actions and file names are "limited to 4096 characters". */
export const MAX_ACTION_LENGTH = 4096;

const RULES: PublishingRules = { root: "galleryApplicationVersion", what: "application version", type: "Microsoft.Compute/galleries/applications/versions", maxRegionalReplicas: MAX_REGIONAL_REPLICAS };
const PROFILE = `${RULES.root}.properties.publishingProfile`;

export interface ApplicationSource {
  mediaLink?: string;
  defaultConfigurationLink?: string;
}

export const sourceOf = (props: Props): ApplicationSource => (publishingProfileOf(props).source ?? {}) as ApplicationSource;

function checkLength(value: unknown, property: string, target: string): void {
  if (typeof value === "string" && value.length > MAX_ACTION_LENGTH) throw errors.lengthOutOfRange(value.length, property, undefined, MAX_ACTION_LENGTH, target);
}

/** The package and configuration are fetched by the server: http(s) URLs only. */
function checkLink(value: string | undefined, target: string): void {
  if (value !== undefined && !/^https?:\/\/[^/]/i.test(value)) throw errors.invalidPackageLink(value, target);
}

function checkApplicationProfile(props: Props, creating: boolean): void {
  const profile = publishingProfileOf(props);
  const source = sourceOf(props);
  checkLink(source.mediaLink, `${PROFILE}.source.mediaLink`);
  checkLink(source.defaultConfigurationLink, `${PROFILE}.source.defaultConfigurationLink`);
  const actions = profile.manageActions as Record<string, unknown> | undefined;
  if (creating && actions === undefined) throw errors.requiredParameterMissing(`${PROFILE}.manageActions`);
  for (const action of ["install", "remove", "update"]) checkLength(actions?.[action], action, `${PROFILE}.manageActions.${action}`);
  const settings = profile.settings as Record<string, unknown> | undefined;
  for (const name of ["packageFileName", "configFileName"]) checkLength(settings?.[name], name, `${PROFILE}.settings.${name}`);
  const names = ((profile.customActions ?? []) as Array<{ name: string }>).map((action) => action.name.toLowerCase());
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw errors.invalidParameter(`The custom action name '${repeated}' must be unique within the gallery application version.`, `${PROFILE}.customActions`);
}

const valueAt = (props: Props, path: string): unknown =>
  path.split(".").reduce<unknown>((value, key) => (typeof value === "object" && value !== null ? (value as Props)[key] : undefined), props);

export const galleryApplicationVersionKind: ResourceKind = {
  type: RULES.type,
  segments: ["galleries", "applications", "versions"],
  apiFamily: "application",
  root: RULES.root,
  label: "gallery application version",
  schema: "GalleryApplicationVersion",
  updateSchema: "GalleryApplicationVersionUpdate",
  checkName: (name) => checkVersionName(name, "galleryApplicationVersionName"),
  // az's update is a PUT of the location, the source and only the publishing fields given
  // (AZURE-CONTRACT.md §3.7): what it leaves out is kept, not reset.
  updatable: (next) => PUBLISHING_UPDATABLE.filter((path) => valueAt(next, path) !== undefined),
  check: (props, context) => {
    checkApplicationProfile(props, context.previous === undefined);
    checkPublishing(props, context, RULES);
  },
  finish: finishPublishing,
};
