import { describe, expect, it } from "vitest";
import { applyStrategicMergePatch } from "../../../server/api/patch/strategic-merge.ts";
import { ApiError } from "../../../server/api/status.ts";
import { schemaOf } from "./schema.ts";

const smp = (model: string, original: unknown, patch: unknown) => applyStrategicMergePatch(original, patch, schemaOf(model));

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

const podSpec = (spec: unknown) => ({ spec });

describe("strategic merge patch: maps and scalars", () => {
  it("merges maps, replaces scalars, deletes on null", () => {
    expect(smp("V1Pod", { metadata: { labels: { a: "1", b: "2" } } }, { metadata: { labels: { b: null, c: "3" } } })).toEqual({
      metadata: { labels: { a: "1", c: "3" } },
    });
  });

  it("ignores nulls for keys the original lacks", () => {
    expect(smp("V1Pod", { metadata: { name: "p" } }, { metadata: { labels: null, annotations: { a: null, b: "x" } } })).toEqual({
      metadata: { name: "p", annotations: { b: "x" } },
    });
  });

  it("replaces a map with $patch: replace and clears it with $patch: delete", () => {
    const live = { metadata: { labels: { a: "1", b: "2" } } };
    expect(smp("V1Pod", live, { metadata: { labels: { $patch: "replace", c: "3" } } })).toEqual({ metadata: { labels: { c: "3" } } });
    expect(smp("V1Pod", live, { metadata: { labels: { $patch: "delete" } } })).toEqual({ metadata: { labels: {} } });
    expect(failure(() => smp("V1Pod", live, { metadata: { labels: { $patch: "bogus" } } })).code).toBe(422);
  });

  it("takes the patch value when the types differ", () => {
    expect(smp("V1ConfigMap", { data: { a: "x" } }, { data: "oops" })).toEqual({ data: "oops" });
  });

  it("rejects non-object patches with 400", () => {
    expect(failure(() => smp("V1Pod", {}, [1])).code).toBe(400);
    expect(failure(() => smp("V1Pod", {}, "x")).code).toBe(400);
  });

  it("does not mutate its inputs", () => {
    const live = { spec: { containers: [{ name: "a", image: "x" }] } };
    const patch = { spec: { containers: [{ name: "a", image: "y" }] } };
    smp("V1Pod", live, patch);
    expect(live.spec.containers[0]!.image).toBe("x");
    expect(patch.spec.containers[0]!.image).toBe("y");
  });
});

describe("strategic merge patch: lists", () => {
  const live = podSpec({
    containers: [
      { name: "a", image: "a:1", env: [{ name: "X", value: "1" }] },
      { name: "b", image: "b:1" },
    ],
  });

  it("merges lists of objects on the merge key", () => {
    expect(smp("V1Pod", live, { spec: { containers: [{ name: "b", image: "b:2" }] } })).toEqual(
      podSpec({
        containers: [
          { name: "a", image: "a:1", env: [{ name: "X", value: "1" }] },
          { name: "b", image: "b:2" },
        ],
      }),
    );
  });

  it("merges nested merging lists (env by name) and appends new elements", () => {
    const out = smp("V1Pod", live, { spec: { containers: [{ name: "a", env: [{ name: "Y", value: "2" }] }, { name: "c", image: "c:1" }] } });
    // Without $setElementOrder, upstream puts patched items first (new ones have no live position).
    expect(out).toEqual(
      podSpec({
        containers: [
          { name: "a", image: "a:1", env: [{ name: "Y", value: "2" }, { name: "X", value: "1" }] },
          { name: "c", image: "c:1" },
          { name: "b", image: "b:1" },
        ],
      }),
    );
  });

  it("deletes an element with $patch: delete", () => {
    expect(smp("V1Pod", live, { spec: { containers: [{ name: "a", $patch: "delete" }] } })).toEqual(
      podSpec({ containers: [{ name: "b", image: "b:1" }] }),
    );
  });

  it("replaces the whole list with a $patch: replace element", () => {
    expect(smp("V1Pod", live, { spec: { containers: [{ $patch: "replace" }, { name: "z", image: "z" }] } })).toEqual(
      podSpec({ containers: [{ name: "z", image: "z" }] }),
    );
  });

  it("requires the merge key in patch elements (422)", () => {
    const err = failure(() => smp("V1Pod", live, { spec: { containers: [{ image: "x" }] } }));
    expect(err.code).toBe(422);
    expect(err.details?.causes?.[0]?.message).toContain("does not contain declared merge key: name");
    expect(failure(() => smp("V1Pod", live, { spec: { containers: [{ $patch: "delete" }] } })).code).toBe(422);
    expect(failure(() => smp("V1Pod", live, { spec: { containers: [{ name: "a", $patch: "merge" }] } })).code).toBe(422);
  });

  it("replaces lists without patch metadata (tolerations, args)", () => {
    const l = podSpec({ tolerations: [{ key: "a" }, { key: "b" }], containers: [{ name: "a", args: ["1", "2"] }] });
    expect(smp("V1Pod", l, { spec: { tolerations: [{ key: "c" }], containers: [{ name: "a", args: ["3"] }] } })).toEqual(
      podSpec({ tolerations: [{ key: "c" }], containers: [{ name: "a", args: ["3"] }] }),
    );
  });

  it("merges ports on containerPort and services' ports on port", () => {
    const l = podSpec({ containers: [{ name: "a", ports: [{ containerPort: 80 }, { containerPort: 443 }] }] });
    expect(smp("V1Pod", l, { spec: { containers: [{ name: "a", ports: [{ containerPort: 80, name: "http" }] }] } })).toEqual(
      podSpec({ containers: [{ name: "a", ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }] }] }),
    );
    expect(smp("V1Pod", l, { spec: { containers: [{ name: "a", ports: [{ containerPort: 8080 }] }] } })).toEqual(
      podSpec({ containers: [{ name: "a", ports: [{ containerPort: 8080 }, { containerPort: 80 }, { containerPort: 443 }] }] }),
    );
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    expect(smp("V1Service", svc, { spec: { ports: [{ port: 443, targetPort: 8443 }] } })).toEqual({
      spec: { ports: [{ port: 443, targetPort: 8443 }, { port: 80, targetPort: 8080 }] },
    });
  });

  it("merges primitive lists with the merge strategy as a union (finalizers)", () => {
    expect(smp("V1Pod", { metadata: { finalizers: ["a", "b"] } }, { metadata: { finalizers: ["b", "c"] } })).toEqual({
      metadata: { finalizers: ["a", "b", "c"] },
    });
  });

  it("deletes values with $deleteFromPrimitiveList", () => {
    expect(
      smp("V1Pod", { metadata: { finalizers: ["a", "b", "c"] } }, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b", "x"] } }),
    ).toEqual({ metadata: { finalizers: ["a", "c"] } });
    expect(smp("V1Pod", { metadata: {} }, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } })).toEqual({ metadata: {} });
    expect(failure(() => smp("V1Pod", { metadata: { finalizers: ["a"] } }, { metadata: { "$deleteFromPrimitiveList/finalizers": "a" } })).code).toBe(400);
  });

  it("merges lists of the merge strategy on ownerReferences by uid", () => {
    const l = { metadata: { ownerReferences: [{ uid: "1", name: "a" }] } };
    expect(smp("V1Pod", l, { metadata: { ownerReferences: [{ uid: "2", name: "b" }] } })).toEqual({
      metadata: { ownerReferences: [{ uid: "2", name: "b" }, { uid: "1", name: "a" }] },
    });
  });

  it("does not persist directives from values it takes whole", () => {
    expect(smp("V1Pod", { spec: {} }, { spec: { containers: [{ name: "a", env: [{ name: "X", $patch: "delete" }], image: null }] } })).toEqual({
      spec: { containers: [{ name: "a", env: [] }] },
    });
  });

  it("rejects lists of lists and mixed element types with 422", () => {
    expect(failure(() => smp("V1Pod", { metadata: { finalizers: ["a"] } }, { metadata: { finalizers: [["b"]] } })).code).toBe(422);
    expect(failure(() => smp("V1Pod", { metadata: { finalizers: ["a"] } }, { metadata: { finalizers: [1] } })).code).toBe(422);
  });
});

describe("strategic merge patch: order", () => {
  const live = podSpec({ containers: [{ name: "a" }, { name: "b" }, { name: "c" }] });
  const names = (o: { spec?: unknown }) => ((o.spec as { containers: { name: string }[] }).containers).map((c) => c.name);

  it("keeps live order for untouched items and patch order for patched ones", () => {
    expect(names(smp("V1Pod", live, { spec: { containers: [{ name: "c", x: 1 }, { name: "a", x: 1 }] } }))).toEqual(["b", "c", "a"]);
    // A new item has no live position, so upstream's interleave puts it before the live-only ones
    // (kubectl always sends $setElementOrder, which places it).
    expect(names(smp("V1Pod", live, { spec: { containers: [{ name: "d" }] } }))).toEqual(["d", "a", "b", "c"]);
    expect(names(smp("V1Pod", live, { spec: { containers: [{ name: "b", x: 1 }] } }))).toEqual(["a", "b", "c"]);
  });

  it("orders by $setElementOrder", () => {
    const out = smp("V1Pod", live, {
      spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "b" }, { name: "a" }], containers: [{ name: "b", image: "x" }] },
    });
    expect(names(out)).toEqual(["c", "b", "a"]);
    expect(out).not.toHaveProperty(["spec", "$setElementOrder/containers"]);
    const inserted = smp("V1Pod", live, {
      spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "new" }, { name: "b" }, { name: "c" }], containers: [{ name: "new" }] },
    });
    expect(names(inserted)).toEqual(["a", "new", "b", "c"]);
  });

  it("orders primitive lists by $setElementOrder", () => {
    expect(
      smp("V1Pod", { metadata: { finalizers: ["a", "b"] } }, { metadata: { "$setElementOrder/finalizers": ["c", "b", "a"], finalizers: ["c"] } }),
    ).toEqual({ metadata: { finalizers: ["c", "b", "a"] } });
  });

  it("rejects a $setElementOrder that contradicts the patch list", () => {
    expect(failure(() => smp("V1Pod", live, { spec: { "$setElementOrder/containers": [{ name: "a" }], containers: [{ name: "b" }] } })).code).toBe(422);
    expect(failure(() => smp("V1Pod", live, { spec: { "$setElementOrder/containers": "a" } })).code).toBe(400);
  });
});

describe("strategic merge patch: retainKeys", () => {
  it("clears the other members of a union (volume source switched from hostPath to emptyDir)", () => {
    const live = podSpec({ volumes: [{ name: "v", hostPath: { path: "/x" } }] });
    const out = smp("V1Pod", live, { spec: { volumes: [{ name: "v", emptyDir: {}, $retainKeys: ["emptyDir", "name"] }] } });
    expect(out).toEqual(podSpec({ volumes: [{ name: "v", emptyDir: {} }] }));
  });

  it("switches a deployment strategy to Recreate, dropping rollingUpdate", () => {
    const live = { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } };
    expect(smp("V1Deployment", live, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } })).toEqual({
      spec: { strategy: { type: "Recreate" } },
    });
  });

  it("rejects patch keys outside the list (422) and a non-list (400)", () => {
    expect(failure(() => smp("V1Deployment", { spec: { strategy: {} } }, { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } })).code).toBe(422);
    expect(failure(() => smp("V1Deployment", { spec: { strategy: {} } }, { spec: { strategy: { $retainKeys: "type" } } })).code).toBe(400);
  });
});

describe("kubectl apply (client-side): the three-way patch it sends", () => {
  // A Deployment applied from a file, then someone ran `kubectl set env` (adding DEBUG), then the
  // file changes the image and an existing env value. kubectl's three-way patch (original = the
  // last-applied annotation, modified = the new file, current = live) carries only the changes
  // of the file, plus the order directives and the new annotation — written here as kubectl
  // 1.31 computes it for these inputs.
  const lastApplied = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx:1.25", env: [{ name: "MODE", value: "a" }] }] },
      },
    },
  };
  const live = structuredClone(lastApplied) as Record<string, any>;
  live.metadata.annotations = { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(lastApplied) };
  live.metadata.uid = "u1";
  live.spec.template.spec.containers[0].env.push({ name: "DEBUG", value: "1" });
  live.spec.template.spec.containers[0].imagePullPolicy = "IfNotPresent";
  live.status = { replicas: 2 };

  const modified = structuredClone(lastApplied);
  modified.spec.template.spec.containers[0]!.image = "nginx:1.27";
  modified.spec.template.spec.containers[0]!.env[0]!.value = "b";

  const patch = {
    metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(modified) } },
    spec: {
      template: {
        spec: {
          "$setElementOrder/containers": [{ name: "web" }],
          containers: [{ "$setElementOrder/env": [{ name: "MODE" }], env: [{ name: "MODE", value: "b" }], image: "nginx:1.27", name: "web" }],
        },
      },
    },
  };

  it("keeps the env someone else added while changing the applied values", () => {
    const out = smp("V1Deployment", live, patch) as any;
    const c = out.spec.template.spec.containers[0];
    expect(c.image).toBe("nginx:1.27");
    expect(c.env).toEqual([{ name: "MODE", value: "b" }, { name: "DEBUG", value: "1" }]);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    expect(out.status).toEqual({ replicas: 2 });
    expect(JSON.parse(out.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"])).toEqual(modified);
  });

  it("removes what the file dropped: kubectl sends a delete directive for a removed container", () => {
    const twoContainers = structuredClone(live);
    twoContainers.spec.template.spec.containers.push({ name: "sidecar", image: "busybox" });
    const out = smp("V1Deployment", twoContainers, {
      spec: {
        template: {
          spec: { "$setElementOrder/containers": [{ name: "web" }], containers: [{ name: "sidecar", $patch: "delete" }] },
        },
      },
    }) as any;
    expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["web"]);
  });

  it("removes a dropped field (null) and a dropped label", () => {
    const out = smp("V1Deployment", live, { spec: { replicas: null, template: { metadata: { labels: { app: null, tier: "b" } } } } }) as any;
    expect(out.spec.replicas).toBeUndefined();
    expect(out.spec.template.metadata.labels).toEqual({ tier: "b" });
  });
});
