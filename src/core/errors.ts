// The one catalogue of errors Vitrine emits. Codes and message texts follow the real service
// (shared/AZURE-CONTRACT.md §3-4) where it has them; docs/errors.md lists every code here, and a
// unit test keeps the two in step.

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = "ArmError";
  }
}

const q = (s: string) => `'${s}'`;
const bounds = (min: number | undefined, max: number | undefined) =>
  min !== undefined && max !== undefined
    ? `between ${min} and ${max}, inclusive`
    : min !== undefined
      ? `greater than or equal to ${min}`
      : `less than or equal to ${max}`;

export const errors = {
  // --- request shape (ARM front door) ---
  missingApiVersion: () =>
    new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."),
  invalidApiVersion: (version: string) =>
    new ArmError(400, "InvalidApiVersionParameter", `The api-version ${q(version)} is invalid. The supported versions are in the form 'yyyy-mm-dd' or 'yyyy-mm-dd-preview'.`),
  noRegisteredProvider: (location: string, version: string, type: string, supported: readonly string[], locations: string) =>
    new ArmError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location ${q(location)} and API version ${q(version)} for type ${q(type)}. The supported api-versions are ${q(supported.join(", "))}. The supported locations are ${q(locations)}.`,
    ),
  invalidRequestContent: (reason: string) =>
    new ArmError(400, "InvalidRequestContent", `The request content was invalid and could not be deserialized: ${reason}`),
  unsupportedMediaType: (type: string) =>
    new ArmError(415, "UnsupportedMediaType", `The content media type ${q(type)} is not supported. Only 'application/json' is supported.`),
  requestTooLarge: (limit: number) =>
    new ArmError(413, "RequestEntityTooLarge", `The request content is larger than the limit of ${limit} bytes.`),
  invalidResourceType: (type: string, namespace: string, version: string) =>
    new ArmError(400, "InvalidResourceType", `The resource type ${q(type)} could not be found in the namespace ${q(namespace)} for api version ${q(version)}.`),
  invalidResourceNamespace: (namespace: string) =>
    new ArmError(400, "InvalidResourceNamespace", `The resource namespace ${q(namespace)} is invalid.`),
  routeNotFound: (path: string) =>
    new ArmError(404, "NotFound", `No HTTP resource was found that matches the request URI ${q(path)}.`),
  methodNotAllowed: (method: string) =>
    new ArmError(405, "MethodNotAllowed", `The requested resource does not support http method ${q(method)}.`),

  // --- authentication ---
  authenticationMissing: () =>
    new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."),
  authenticationMalformed: () =>
    new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format."),
  invalidToken: (reason: string) =>
    new ArmError(401, "InvalidAuthenticationToken", `The access token is invalid. ${reason}`),
  expiredToken: (expiredAt: string) =>
    new ArmError(401, "ExpiredAuthenticationToken", `The access token expiry UTC time ${q(expiredAt)} is earlier than current UTC time.`),
  invalidTokenAudience: (audience: string) =>
    new ArmError(401, "InvalidAuthenticationTokenAudience", `The access token has been obtained for wrong audience or resource ${q(audience)}. It should exactly match with one of the allowed audiences.`),
  wrongTokenTenant: (issuer: string, tenantId: string) =>
    new ArmError(401, "InvalidAuthenticationTokenTenant", `The access token is from the wrong issuer ${q(issuer)}. It must match the tenant ${q(`https://sts.windows.net/${tenantId}/`)} associated with this subscription. Please use the authority (URL) ${q(tenantId)} to get the token.`),

  // --- directory administration ---
  tenantNotFound: (id: string) => new ArmError(404, "TenantNotFound", `The tenant ${q(id)} could not be found.`),
  principalNotFound: (appId: string, tenantId: string) =>
    new ArmError(404, "PrincipalNotFound", `The service principal of application ${q(appId)} could not be found in tenant ${q(tenantId)}.`),
  unknownRegion: (region: string) =>
    new ArmError(400, "InvalidLocation", `The location ${q(region)} is not a known Azure region. Run 'vitrine admin regions' for the list.`),
  adminOnly: (objectId: string, action: string) =>
    new ArmError(403, "AuthorizationFailed", `The client ${q(objectId)} does not have authorization to perform action ${q(action)}: only the server's administrator principal may.`),

  // --- access (role-based access control) ---
  authorizationFailed: (objectId: string, action: string, scope: string) =>
    new ArmError(
      403,
      "AuthorizationFailed",
      `The client ${q(objectId)} with object id ${q(objectId)} does not have authorization to perform action ${q(action)} over scope ${q(scope)} or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    ),
  linkedAuthorizationFailed: (objectId: string, action: string, linkedScope: string) =>
    new ArmError(
      403,
      "LinkedAuthorizationFailed",
      `The client ${q(objectId)} has permission to perform the request, but does not have permission to perform action ${q(action)} on the linked scope(s) ${q(linkedScope)} or the linked scope(s) are invalid.`,
    ),
  sharedGalleryNotFound: (path: string, subscriptionId: string) =>
    new ArmError(404, "ResourceNotFound", `The shared gallery resource ${q(path)} was not found, or is not shared with subscription ${q(subscriptionId)} or its tenant.`),
  roleAssignmentExists: () => new ArmError(409, "RoleAssignmentExists", "The role assignment already exists."),
  roleAssignmentNotFound: (id: string) => new ArmError(404, "RoleAssignmentNotFound", `The role assignment ${q(id)} is not found.`),
  roleAssignmentUpdateNotPermitted: () =>
    new ArmError(400, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."),
  invalidRoleAssignmentId: (name: string) =>
    new ArmError(400, "InvalidRoleAssignmentId", `The role assignment ID ${q(name)} is not valid. The role assignment ID must be a GUID.`),
  roleDefinitionNotFound: (id: string) => new ArmError(404, "RoleDefinitionDoesNotExist", `The specified role definition with ID ${q(id)} does not exist.`),
  roleDefinitionNameTaken: (roleName: string) =>
    new ArmError(409, "RoleDefinitionWithSameNameExists", `A role definition cannot be updated with a name that already exists: ${q(roleName)}.`),
  roleDefinitionHasAssignments: (name: string) =>
    new ArmError(409, "RoleDefinitionHasAssignments", `There are existing role assignments referencing role ${q(name)}.`),
  builtInRoleReadOnly: (roleName: string) =>
    new ArmError(400, "RoleDefinitionBuiltInReadOnly", `The built-in role ${q(roleName)} cannot be changed or deleted.`),
  scopeNotAssignable: (scope: string, roleName: string) =>
    new ArmError(400, "InvalidScope", `The scope ${q(scope)} is not one of the assignable scopes of role ${q(roleName)}.`),
  directoryObjectNotFound: (objectId: string) =>
    new ArmError(400, "PrincipalNotFound", `Principal ${q(objectId)} does not exist in the directory.`),
  principalTypeMismatch: (objectId: string, given: string, actual: string) =>
    new ArmError(400, "PrincipalTypeNotSupported", `The principal ${q(objectId)} is a ${actual}, not a ${given}.`),
  unsupportedFilter: (filter: string) =>
    new ArmError(400, "UnsupportedQuery", `The filter ${q(filter)} is not supported. Supported: atScope(), principalId eq '{id}', assignedTo('{id}'), roleName eq '{name}', type eq '{type}', joined with 'and'.`),
  userNameTaken: (name: string) => new ArmError(409, "ObjectConflict", `Another object with the same value for property userPrincipalName already exists: ${q(name)}.`),
  groupCycle: (groupId: string, memberId: string) =>
    new ArmError(400, "InvalidMembership", `Adding ${q(memberId)} to group ${q(groupId)} would make the group a member of itself.`),

  // --- subscriptions, groups, locations ---
  invalidSubscriptionId: (id: string) =>
    new ArmError(400, "InvalidSubscriptionId", `The provided subscription identifier ${q(id)} is malformed or invalid.`),
  subscriptionNotFound: (id: string) =>
    new ArmError(404, "SubscriptionNotFound", `The subscription ${q(id)} could not be found.`),
  resourceGroupNotFound: (name: string) =>
    new ArmError(404, "ResourceGroupNotFound", `Resource group ${q(name)} could not be found.`),
  invalidResourceGroupLocation: (requested: string, name: string, existing: string) =>
    new ArmError(409, "InvalidResourceGroupLocation", `Invalid resource group location ${q(requested)}. The Resource group ${q(name)} already exists in location ${q(existing)}.`),
  locationRequired: () =>
    new ArmError(400, "LocationRequired", "The location property is required for this definition."),
  locationNotAvailable: (location: string, type: string) =>
    new ArmError(400, "LocationNotAvailableForResourceType", `The provided location ${q(location)} is not available for resource type ${q(type)}. Run 'vitrine admin regions' for the list of available regions.`),
  locationRestricted: (location: string, subscriptionId: string) =>
    new ArmError(
      400,
      "LocationNotAvailableForSubscription",
      `The location ${q(location)} is restricted and is not enabled for subscription ${q(subscriptionId)}. An administrator can enable it with 'vitrine admin subscription allow-region --subscription ${subscriptionId} --region ${location}'.`,
    ),
  resourceExistsInOtherLocation: (name: string, existing: string, resourceGroup: string, requested: string) =>
    new ArmError(409, "InvalidResourceLocation", `The resource ${q(name)} already exists in location ${q(existing)} in resource group ${q(resourceGroup)}. A resource with the same name cannot be created in location ${q(requested)}. Please select a new resource name.`),

  // --- resources ---
  /** `path` is the type with names, e.g. Microsoft.Compute/galleries/g1/images/i1. */
  resourceNotFound: (path: string, resourceGroup: string) =>
    new ArmError(404, "ResourceNotFound", `The Resource ${q(path)} under resource group ${q(resourceGroup)} was not found.`),
  parentResourceNotFound: (parentName: string) =>
    new ArmError(404, "ParentResourceNotFound", `Can not perform requested operation on nested resource. Parent resource ${q(parentName)} not found.`),
  operationNotResumable: (resourceId: string) =>
    new ArmError(500, "OperationInterrupted", `The server stopped before this operation on ${resourceId} finished, and the work cannot be resumed (the resource is gone or no longer waits for it). Send the request again.`),
  operationNotFound: (id: string) =>
    new ArmError(404, "OperationNotFound", `The operation ${q(id)} was not found.`),
  cannotDeleteWithChildren: (childTypeAndNames: readonly string[]) =>
    new ArmError(
      409,
      "CannotDeleteResource",
      `Cannot delete resource while nested resources exist. Some existing nested resource IDs include: ${childTypeAndNames.map(q).join(", ")}. Please delete all nested resources before deleting this resource.`,
    ),
  propertyChangeNotAllowed: (path: string) =>
    new ArmError(409, "PropertyChangeNotAllowed", `Changing property ${q(path)} is not allowed.`, path),
  invalidParameter: (message: string, target?: string) => new ArmError(400, "InvalidParameter", message, target),
  requiredParameterMissing: (target: string) =>
    new ArmError(400, "InvalidParameter", `Required parameter ${q(target)} is missing (null).`, target),
  invalidResourceName: (message: string, target: string) => new ArmError(400, "InvalidParameter", message, target),

  // --- request body values (checked against the REST spec by core/schema.ts) ---
  invalidPropertyValue: (value: string, property: string, allowed: readonly string[], target: string) =>
    new ArmError(400, "InvalidParameter", `The value ${q(value)} is not valid for property ${q(property)}. Allowed values are: ${allowed.join(", ")}.`, target),
  valueOutOfRange: (value: number, property: string, min: number | undefined, max: number | undefined, target: string) =>
    new ArmError(400, "InvalidParameter", `The value ${value} of parameter ${q(property)} is out of range. The value must be ${bounds(min, max)}.`, target),
  lengthOutOfRange: (length: number, property: string, min: number | undefined, max: number | undefined, target: string) =>
    new ArmError(400, "InvalidParameter", `The length ${length} of parameter ${q(property)} is out of range. The length must be ${bounds(min, max)}.`, target),
  patternMismatch: (value: string, property: string, pattern: string, target: string) =>
    new ArmError(400, "InvalidParameter", `The value ${q(value)} of parameter ${q(property)} does not match the pattern ${q(pattern)}.`, target),
  imageIdentifierConflict: (name: string, publisher: string, offer: string, sku: string) =>
    new ArmError(
      409,
      "GalleryImageIdentifierAlreadyExists",
      `Gallery image: ${name} identified by (publisher:${publisher}, offer:${offer}, sku:${sku}) already exists. Choose a different publisher, offer, sku combination.`,
      "galleryImage.properties.identifier",
    ),
  quotaExceeded: (quota: string, location: string, limit: number, usage: number) =>
    new ArmError(
      409,
      "QuotaExceeded",
      `Operation could not be completed as it results in exceeding approved ${quota} quota. Location: ${location}, Current Limit: ${limit}, Current Usage: ${usage}, Additional Required: 1.`,
    ),

  // --- disks, snapshots and their bytes ---
  unsupportedCreateOption: (option: string, supported: readonly string[]) =>
    new ArmError(400, "InvalidParameter", `createOption ${q(option)} is not supported by Vitrine; supported: ${supported.join(", ")}.`, "disk.properties.creationData.createOption"),
  invalidUploadSize: (size: number) =>
    new ArmError(
      400,
      "InvalidParameter",
      `uploadSizeBytes ${size} is not valid: a direct upload is a fixed VHD, a whole number of MiB from 20 MiB to 32 TiB plus its 512-byte footer (e.g. 10737418752 for 10 GiB).`,
      "disk.properties.creationData.uploadSizeBytes",
    ),
  diskSourceNotFound: (id: string) =>
    new ArmError(404, "NotFound", `Source ${id} is not found. Please check source exists, and is in the same region as the resource being created.`, "sourceResourceId"),
  invalidDiskState: (name: string, state: string, action: string, wanted: string) =>
    new ArmError(409, "OperationNotAllowed", `Disk ${q(name)} is in state ${q(state)}; ${action} needs it to be ${wanted}.`),
  invalidDiskImage: (reason: string) => new ArmError(400, "InvalidDiskImage", `The disk image was refused: ${reason}`),

  // --- image versions and managed images: sources, regions, latest ---
  invalidVersionName: (target: string) =>
    new ArmError(
      400,
      "InvalidParameter",
      "The image version name is invalid. The image version name should follow Major(int).Minor(int).Patch(int) format, where int is between 0 and 2,147,483,647 (inclusive). For e.g: 1.0.0, 2018.12.1 etc.",
      target,
    ),
  /** `what` is "image version" or "application version"; `root` the body's name in targets. */
  sourceRegionNotTargeted: (regions: readonly string[], sourceRegion: string, what = "image version", root = "galleryImageVersion") =>
    new ArmError(400, "InvalidParameter", `Gallery ${what} publishing profile regions ${q(regions.join(", "))} must contain the location of ${what} ${q(sourceRegion)}.`, `${root}.properties.publishingProfile.targetRegions`),
  duplicateTargetRegions: (region: string, root = "galleryImageVersion") =>
    new ArmError(400, "InvalidParameter", `Duplicate regions are not allowed in target publishing regions (${q(region)} appears more than once).`, `${root}.properties.publishingProfile.targetRegions`),
  /** Vitrine's wording: the copies into some regions failed; they are retried in the background. */
  replicationFailed: (failures: string[]) => new ArmError(500, "ReplicationFailed", `Replication failed: ${failures.join("; ")}. The copies are retried with backoff; replicationStatus shows their progress.`),
  /** Vitrine's wording (Azure's is not published): a replicated region taken out while the safety profile forbids it. */
  replicatedRegionRemoval: (version: string, regions: string[], what = "image version", root = "galleryImageVersion") =>
    new ArmError(
      400,
      "OperationNotAllowed",
      `Gallery ${what} ${q(version)} cannot be removed from its replicated region(s) ${regions.map(q).join(", ")}: safetyProfile.allowDeletionOfReplicatedLocations is false. Set it to true in the same request (az sig image-version update --allow-replicated-location-deletion true) to remove replicated regions.`,
      `${root}.properties.safetyProfile.allowDeletionOfReplicatedLocations`,
    ),
  /** Vitrine's own: the region's configured storage cannot hold the type (no premium targets, fewer than three zones). */
  storageTypeNotAvailable: (reason: string, target: string) => new ArmError(400, "InvalidParameter", reason, target),
  storageTypeOfRegionFixed: (regionDisplayName: string, existing: string, root = "galleryImageVersion") =>
    new ArmError(
      400,
      "InvalidParameter",
      `Global storage account type does not match the storage account type in the existing TargetRegion: ${q(regionDisplayName)}. Please specify ${q(existing)} as the storage account type for this region.`,
      `${root}.properties.publishingProfile.targetRegions`,
    ),
  definitionMismatch: (sourceId: string, what: "OS State" | "OS type" | "Hypervisor generation", parent: string, source: string) =>
    new ArmError(
      400,
      "InvalidParameter",
      what === "OS State"
        ? `Cannot create Gallery Image Version from: ${sourceId} since the OS State in the parent gallery image (${parent}) is not ${source}.`
        : `The resource with id ${q(sourceId)} has a different ${what} [${q(source)}] than the parent gallery image ${what} [${q(parent)}].`,
    ),
  versionSourceNotFound: (id: string, target: string) =>
    new ArmError(404, "NotFound", `Source ${id} is not found. Please check source exists, and is in the same region as gallery image version being created.`, target),
  versionSourceWrongKind: (id: string, target: string, diskLevel: boolean) =>
    new ArmError(
      400,
      "InvalidParameter",
      diskLevel
        ? `The source id: ${id} must be a managed disk or snapshot.`
        : `The source id: ${id} must either be a managed image, virtual machine or another gallery image version`,
      target,
    ),
  invalidSourceId: (id: string, path: string) =>
    new ArmError(
      400,
      "InvalidParameter",
      `Property id ${q(id)} at path ${q(path)} is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.`,
      path,
    ),
  oneSourceForm: () =>
    new ArmError(
      400,
      "InvalidParameter",
      "The gallery artifact version source can only be specified either directly under storageProfile or within individual OS or data disks. One and only one source type (user image, snapshot, disk, virtual machine) can be provided.",
      "galleryImageVersion.properties.storageProfile",
    ),
  duplicateLuns: () =>
    new ArmError(400, "InvalidParameter", "Duplicated lun numbers have been detected in the input data disks. Lun number must be unique for each data disk.", "galleryImageVersion.properties.storageProfile.dataDiskImages"),
  duplicateSources: () =>
    new ArmError(400, "InvalidParameter", "Duplicated source ids are found in the input disks. Source id should be unique for each disk.", "galleryImageVersion.properties.storageProfile"),
  virtualMachineSourceNotSupported: (id: string, target: string) =>
    new ArmError(
      400,
      "InvalidParameter",
      `The source id: ${id} is a virtual machine. Vitrine runs no virtual machines, so it cannot capture one: snapshot the VM's disks and use the snapshots as the OS and data disk sources.`,
      target,
    ),
  imageDiskTooLarge: (sizeBytes: number, maxBytes: number, target: string) =>
    new ArmError(
      400,
      "InvalidParameter",
      `Any disk attached to the image must be less than or equal to 1 TB in size: this disk holds ${sizeBytes} bytes, the limit is ${maxBytes} bytes (${maxBytes / 1024 ** 3} GiB).`,
      target,
    ),
  galleryImageNotFound: (id: string, region: string) =>
    new ArmError(
      404,
      "GalleryImageNotFound",
      `The gallery image ${id} is not available in ${region} region. Please contact image owner to replicate to this region, or change your requested region.`,
    ),
  imageDiskNotFound: (id: string, lun: number | undefined) =>
    new ArmError(404, "NotFound", `The image ${id} has no ${lun === undefined ? "OS disk" : `data disk at LUN ${lun}`}.`, "disk.properties.creationData.galleryImageReference"),

  // --- application versions: their package and configuration, deployment ---
  invalidPackageLink: (link: string, target: string) =>
    new ArmError(400, "InvalidParameter", `The link ${q(link)} is not an http or https URL. The server fetches the package and the configuration from their links: give a URL it can read, such as a blob's read SAS URL.`, target),
  /** `what` names the file: "package (mediaLink)", "default configuration (defaultConfigurationLink)". */
  invalidApplicationPackage: (what: string, reason: string) =>
    new ArmError(400, "InvalidApplicationPackage", `The application's ${what} could not be fetched: ${reason}`),
  applicationPackageTooLarge: (what: string, sizeBytes: number, maxBytes: number) =>
    new ArmError(400, "ApplicationPackageTooLarge", `The application's ${what} holds ${sizeBytes} bytes; the limit is ${maxBytes} bytes (${maxBytes / 1024 ** 3} GiB).`),
  galleryApplicationNotFound: (id: string, region: string) =>
    new ArmError(
      404,
      "GalleryApplicationNotFound",
      `The gallery application ${id} is not available in ${region} region. Please contact application owner to replicate to this region, or change your requested region.`,
    ),
  applicationOsTypeMismatch: (id: string, supported: string, requested: string) =>
    new ArmError(400, "OSTypeMismatch", `The gallery application ${id} supports ${supported}, and cannot be deployed to a ${requested} host.`, "osType"),

  // --- template deployments (Microsoft.Resources/deployments) ---
  /** `target` is where in the template: parameters.count, resources[1].dependsOn[0], ... */
  invalidTemplate: (message: string, target: string) =>
    new ArmError(400, "InvalidTemplate", `Deployment template validation failed: ${q(message)} (at ${target}).`, target),
  invalidDeploymentParameters: (reason: string) =>
    new ArmError(400, "InvalidDeploymentParameterValue", `The deployment parameters are not valid: ${reason}`, "properties.parameters"),
  invalidDeployment: (reason: string, target: string) => new ArmError(400, "InvalidDeployment", `The deployment is not valid: ${reason}`, target),
  invalidContentLink: (uri: string, reason: string) =>
    new ArmError(400, "InvalidContentLink", `Unable to download deployment content from ${q(uri)}: ${reason}`),
  deploymentNotFound: (name: string) => new ArmError(404, "DeploymentNotFound", `Deployment ${q(name)} could not be found.`),
  deploymentActive: (name: string) =>
    new ArmError(409, "DeploymentActive", `Unable to edit or replace deployment ${q(name)}: the previous deployment of that name is still active. Wait for it to finish, then retry.`),
  deploymentFailed: (details: ErrorDetail[]) =>
    new ArmError(
      400,
      "DeploymentFailed",
      "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
      undefined,
      details,
    ),
  /** A template names a type this server does not serve (another provider's, or one Vitrine lacks). */
  resourceTypeNotServed: (type: string, name: string) =>
    new ArmError(400, "InvalidResourceType", `The resource ${q(name)} has type ${q(type)}, which Vitrine does not serve, so the deployment cannot create it. Vitrine serves Microsoft.Compute galleries and their images, versions and applications, disks, snapshots and images, and Microsoft.Authorization role assignments.`, "type"),

  // --- the data plane (disk access URLs); rendered in Azure Storage's XML error shape ---
  blobNotFound: () => new ArmError(404, "BlobNotFound", "The specified blob does not exist."),
  dataAccessDenied: (reason: string) =>
    new ArmError(403, "AuthenticationFailed", `Server failed to authenticate the request. ${reason}`),
  invalidPageWrite: (reason: string) => new ArmError(416, "InvalidPageRange", `The page range specified is invalid. ${reason}`),
  invalidHeaderValue: (header: string, reason: string) =>
    new ArmError(400, "InvalidHeaderValue", `The value for one of the HTTP headers is not in the correct format: ${header}. ${reason}`, header),

  // --- everything else ---
  internal: () => new ArmError(500, "InternalServerError", "The server encountered an internal error. Please retry the request."),
} as const;

export type ErrorFactory = keyof typeof errors;
