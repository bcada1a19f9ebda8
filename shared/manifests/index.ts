/**
 * Manifest rendering for the GitOps repository (rendered-manifests pattern: what is in git is exactly
 * what runs). Pure: no node builtins, so the web app derives the same names and previews.
 */
export { applicationNameFromRelease } from './application-name.ts';
export {
  APPS_ROOT,
  appName,
  argoProjectName,
  BOOTSTRAP_ROOT,
  gitopsPath,
  liveHost,
  MANIFESTS_FILE,
  RELEASE_FILE,
  userPathSegment,
  VALUES_FILE,
} from './names.ts';
export {
  APPLICATION_SET_FILE,
  APPLICATION_SET_NAME,
  type BootstrapTarget,
  IN_CLUSTER,
  ROOT_APP_FILE,
  ROOT_APP_NAME,
  renderBootstrap,
  renderWorkspaceBootstrap,
  workspaceBootstrapFile,
} from './render-bootstrap.ts';
export {
  AWS_CLI_IMAGE,
  databaseAddress,
  databaseImage,
  describeImage,
  EXTERNAL_SECRETS_API_VERSION,
  microserviceUrl,
  pinnedImage,
  RELEASE_GLOB,
  renderRelease,
  serviceUrlEnv,
} from './render-release.ts';
export { isServed, SERVED_API_VERSIONS } from './served-apis.ts';
export type {
  BootstrapInput,
  ExternalSecretsApiVersion,
  PlatformConfig,
  ReleaseIdentity,
  ReleaseRenderInput,
  RenderedRelease,
} from './types.ts';
export { type ExternalSecret, type KubeObject, RENDERED_KINDS } from './workloads.ts';
