// Vitrine's own actions on a gallery application (Azure has no equivalent; docs/applications.md):
// - POST .../applications/{a}/startPackageUpload {sizeBytes}: a signed URL to PUT a package file
//   to, and the read URL to give the version as its mediaLink;
// - POST .../applications/{a}/getDeploymentAccess {region, version?, osType?}: what a host agent
//   needs to install a version (latest by default) in a region: read URLs of its package and
//   configuration on a complete replica there, their digests, and the manage actions.

import { errors } from "../../core/errors.js";
import { galleryApplicationKind } from "../../core/resource-kinds.js";
import type { ResourceKind } from "../../core/resource-kinds.js";
import type { ResourceRef } from "../../core/services/tracked-resources.js";
import type { ServerContext } from "../context.js";
import { methodNotAllowed, type ArmRequest } from "./arm.js";
import { packageUrl } from "./package-data.js";

type Props = Record<string, unknown>;

export const isApplicationKind = (kind: ResourceKind): boolean => kind === galleryApplicationKind;

export async function handleApplicationAction(context: ServerContext, arm: ArmRequest, ref: ResourceRef, action: string): Promise<unknown> {
  if (arm.method !== "POST") methodNotAllowed(arm);
  const application = await context.trackedResources.get(ref);
  switch (action) {
    case "startpackageupload": {
      const { write, read } = await context.applicationPackages.startUpload(arm.request.body);
      return { uploadUrl: packageUrl(context, write, "package"), mediaLink: packageUrl(context, read, "package"), expiresAt: write.expiresAt.toISOString() };
    }
    case "getdeploymentaccess": {
      const access = await context.applicationPackages.deploymentAccess(application, arm.request.body);
      const properties = (access.version.body.properties ?? {}) as Props;
      const profile = (properties.publishingProfile ?? {}) as Props;
      const settings = (profile.settings ?? {}) as Props;
      // The file names a VM gets (the spec's defaults: the application's name, and it with "_config").
      const fileNames = { package: (settings.packageFileName as string | undefined) ?? application.name, configuration: (settings.configFileName as string | undefined) ?? `${application.name}_config` };
      const files = Object.fromEntries(
        access.files.map((file) => [file.name, { url: packageUrl(context, file.grant, fileNames[file.name]), fileName: fileNames[file.name], contentDigest: file.contentDigest, sizeBytes: file.sizeBytes }]),
      );
      return {
        applicationId: application.id,
        supportedOSType: (application.body.properties as Props | undefined)?.supportedOSType,
        versionId: access.version.id,
        version: access.version.name,
        region: (arm.request.body as Props).region,
        ...files,
        manageActions: profile.manageActions,
        settings: profile.settings,
        advancedSettings: profile.advancedSettings,
        enableHealthCheck: profile.enableHealthCheck,
        customActions: profile.customActions,
        expiresAt: access.expiresAt.toISOString(),
      };
    }
    default:
      throw errors.invalidResourceType(`${ref.kind.segments.join("/")}/${action}`, "Microsoft.Compute", arm.apiVersion);
  }
}
