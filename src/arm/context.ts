// What the HTTP layer is given by the composition root: the services it calls and the settings it
// needs to render URLs. Routes reach nothing else.

import type { Config } from "../config.js";
import type { TrackedResources } from "../core/services/tracked-resources.js";
import type { ResourceGroups } from "../core/services/resource-groups.js";
import type { Directory } from "../identity/directory.js";
import type { TokenService } from "../identity/tokens.js";
import type { Clock } from "../ports/clock.js";
import type { Ids } from "../ports/ids.js";
import type { AccessSigner } from "../ports/access-signer.js";
import type { DiskContent } from "../ports/disk-content.js";
import type { Disks } from "../core/services/disks.js";
import type { ResourceKind } from "../core/resource-kinds.js";
import type { ResourceService } from "../core/services/resource-services.js";
import type { Operations } from "../core/services/operations.js";
import type { Subscriptions } from "../core/services/subscriptions.js";
import type { Usages } from "../core/services/usages.js";
import type { Billing } from "../core/services/billing.js";
import type { Deployments } from "../core/services/deployments.js";
import type { ApplicationPackages } from "../core/services/application-packages.js";
import type { Access } from "../core/services/access.js";
import type { RoleAssignments } from "../core/services/role-assignments.js";
import type { RoleDefinitions } from "../core/services/role-definitions.js";
import type { GallerySharing } from "../core/services/gallery-sharing.js";
import type { SharedWithMe } from "../core/services/shared-with-me.js";

export interface ServerContext {
  config: Config;
  /** Base URL clients use (no trailing slash); known once the server listens. */
  publicUrl(): string;
  directory: Directory;
  tokens: TokenService;
  /** Role-based access: each request's rights, role assignments and definitions. */
  access: Access;
  roleAssignments: RoleAssignments;
  roleDefinitions: RoleDefinitions;
  /** Direct sharing of galleries with subscriptions and tenants. */
  gallerySharing: GallerySharing;
  sharedWithMe: SharedWithMe;
  trackedResources: TrackedResources;
  resourceGroups: ResourceGroups;
  disks: Disks;
  /** The service that writes and renders resources of a kind. */
  serviceFor(kind: ResourceKind): ResourceService;
  /** Disk data (page writes, exports) for the data-plane routes. */
  diskContent: DiskContent;
  /** Application packages: uploads and deployments over signed URLs. */
  applicationPackages: ApplicationPackages;
  signer: AccessSigner;
  subscriptions: Subscriptions;
  operations: Operations;
  usages: Usages;
  billing: Billing;
  /** Template deployments (Microsoft.Resources/deployments). */
  deployments: Deployments;
  clock: Clock;
  ids: Ids;
}
