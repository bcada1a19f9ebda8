/**
 * The API versions that the clusters Wharf targets serve today, by `apiVersion/kind`. Every object
 * Wharf renders (release manifests and bootstrap) must use one of these; `served-apis.test.ts` renders
 * every kind and holds it to this table, so the next upstream removal fails a test, not a deploy.
 *
 * Targets and sources (checked 2026-12):
 * - Kubernetes 1.31+: kubernetes.io/docs/reference/using-api/deprecation-guide/ (batch/v1beta1
 *   CronJob and policy/v1beta1 PodDisruptionBudget removed in 1.25, autoscaling/v2beta2 HPA in 1.26,
 *   networking.k8s.io/v1beta1 Ingress in 1.22; the versions below are the GA ones that replaced them).
 * - Argo CD 3.x: the CRDs in argoproj/argo-cd manifests/crds serve only argoproj.io/v1alpha1 for
 *   Application, ApplicationSet and AppProject.
 * - External Secrets Operator 0.17+ / 1.x: v0.17.0 release notes, "Stops serving v1beta1 apis. You
 *   need to update your manifests from v1beta1 to v1"; types in external-secrets/external-secrets
 *   apis/externalsecrets/v1 (same ExternalSecret fields as v1beta1: secretStoreRef, target, data[].remoteRef).
 * - cert-manager 1.x: cert-manager.io/v1 (Wharf only sets the `cert-manager.io/cluster-issuer`
 *   Ingress annotation, but a rendered Certificate or issuer would have to be v1).
 *
 * When a target moves (a new Kubernetes minor, an operator major), update this table from the
 * upstream notes first; the test then says which renderer still emits the old version.
 */
export const SERVED_API_VERSIONS: Readonly<Record<string, string>> = {
  // Kubernetes 1.31+ core and GA groups.
  'v1/Namespace': 'Kubernetes',
  'v1/Service': 'Kubernetes',
  'v1/Secret': 'Kubernetes',
  'v1/ConfigMap': 'Kubernetes',
  'v1/PersistentVolumeClaim': 'Kubernetes',
  'v1/ServiceAccount': 'Kubernetes',
  'apps/v1/Deployment': 'Kubernetes',
  'apps/v1/StatefulSet': 'Kubernetes',
  'batch/v1/Job': 'Kubernetes',
  'batch/v1/CronJob': 'Kubernetes',
  'networking.k8s.io/v1/Ingress': 'Kubernetes',
  'networking.k8s.io/v1/NetworkPolicy': 'Kubernetes',
  'autoscaling/v2/HorizontalPodAutoscaler': 'Kubernetes',
  'policy/v1/PodDisruptionBudget': 'Kubernetes',
  'rbac.authorization.k8s.io/v1/Role': 'Kubernetes',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'Kubernetes',
  // Argo CD 3.x.
  'argoproj.io/v1alpha1/Application': 'Argo CD',
  'argoproj.io/v1alpha1/ApplicationSet': 'Argo CD',
  'argoproj.io/v1alpha1/AppProject': 'Argo CD',
  // External Secrets Operator 0.17+ / 1.x.
  'external-secrets.io/v1/ExternalSecret': 'External Secrets Operator',
  'external-secrets.io/v1/SecretStore': 'External Secrets Operator',
  'external-secrets.io/v1/ClusterSecretStore': 'External Secrets Operator',
  // cert-manager 1.x.
  'cert-manager.io/v1/Certificate': 'cert-manager',
  'cert-manager.io/v1/Issuer': 'cert-manager',
  'cert-manager.io/v1/ClusterIssuer': 'cert-manager',
};

/** Whether current target clusters serve `apiVersion` for `kind`. */
export const isServed = (apiVersion: string, kind: string): boolean =>
  Object.hasOwn(SERVED_API_VERSIONS, `${apiVersion}/${kind}`);
