import * as z from 'zod';

/**
 * The parts of Argo CD's REST answers (grpc-gateway JSON of `v1alpha1.Application`) that Wharf reads.
 * Lenient where Argo CD may grow (unknown keys are dropped, enum-like fields stay strings and are
 * mapped later) and strict about shape, so an answer that is not an Application fails clearly.
 * Go omits empty fields and writes nil pointers as null, hence `nullish` throughout.
 */

const revisions = {
  revision: z.string().nullish(),
  /** Multi-source apps: one per source, in `spec.sources` order. */
  revisions: z.array(z.string()).nullish(),
};

const syncOperation = z.object({ sync: z.object(revisions).nullish() });

const health = z.object({ status: z.string().nullish(), message: z.string().nullish() });

export const argoApplication = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z
    .object({
      project: z.string().nullish(),
      syncPolicy: z
        .object({
          // `enabled: false` (Argo CD 3.x) keeps the settings but turns automated sync off.
          automated: z.object({ enabled: z.boolean().nullish() }).nullish(),
        })
        .nullish(),
    })
    .nullish(),
  /** An operation requested and not finished yet (Argo CD clears it when the operation completes). */
  operation: syncOperation.nullish(),
  status: z
    .object({
      sync: z.object({ status: z.string().nullish(), ...revisions }).nullish(),
      health: health.nullish(),
      operationState: z
        .object({
          phase: z.string(),
          message: z.string().nullish(),
          operation: syncOperation.nullish(),
          syncResult: z.object(revisions).nullish(),
        })
        .nullish(),
      conditions: z.array(z.object({ type: z.string(), message: z.string().nullish() })).nullish(),
      resources: z
        .array(
          z.object({
            kind: z.string().nullish(),
            name: z.string().nullish(),
            namespace: z.string().nullish(),
            health: health.nullish(),
          }),
        )
        .nullish(),
      /** Successful syncs, oldest first. */
      history: z.array(z.object(revisions)).nullish(),
    })
    .nullish(),
});

export type ArgoApplication = z.infer<typeof argoApplication>;

/** grpc-gateway's error body: `{"error": "...", "code": 5, "message": "..."}` (gRPC status code). */
export const argoError = z.object({
  error: z.string().nullish(),
  code: z.number().nullish(),
  message: z.string().nullish(),
});

const resourceRef = {
  group: z.string().nullish(),
  version: z.string().nullish(),
  kind: z.string(),
  namespace: z.string().nullish(),
  name: z.string(),
  uid: z.string().nullish(),
};

/**
 * `GET /api/v1/applications/{name}/resource-tree` (`v1alpha1.ApplicationTree`): the app's managed
 * objects and their children (ReplicaSets, Pods), linked child → parent by `parentRefs`. Pods carry
 * `info` items ("Containers" `ready/total`, "Restart Count"), `images` and, in `networkingInfo`, their
 * labels (controller/cache/info.go, populatePodInfo).
 */
export const argoResourceTree = z.object({
  nodes: z
    .array(
      z.object({
        ...resourceRef,
        parentRefs: z.array(z.object(resourceRef)).nullish(),
        info: z.array(z.object({ name: z.string().nullish(), value: z.string().nullish() })).nullish(),
        images: z.array(z.string()).nullish(),
        health: health.nullish(),
        networkingInfo: z.object({ labels: z.record(z.string(), z.string()).nullish() }).nullish(),
      }),
    )
    .nullish(),
});

export type ArgoResourceTree = z.infer<typeof argoResourceTree>;
export type ArgoResourceNode = NonNullable<ArgoResourceTree['nodes']>[number];

/** `GET /api/v1/applications/{name}/resource`: the live object, as a JSON (or YAML) string. */
export const argoResourceManifest = z.object({ manifest: z.string() });

/** The parts of a live Deployment or StatefulSet read from its manifest. */
export const liveWorkload = z.object({
  metadata: z.object({ labels: z.record(z.string(), z.string()).nullish() }).nullish(),
  spec: z.object({ replicas: z.number().int().nullish() }).nullish(),
  status: z
    .object({ replicas: z.number().int().nullish(), readyReplicas: z.number().int().nullish() })
    .nullish(),
});
