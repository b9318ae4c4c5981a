/** The imagePullSecrets keyring: which credentials an image gets, as upstream's credentialprovider matches them. */
import { describe, expect, it } from "vitest";
import { DockerKeyring, dockerConfigEntries } from "../../agent/kubelet/pull-secrets.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const dockerconfigjson = (auths: Record<string, unknown>) => ({
  apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "kubernetes.io/dockerconfigjson",
  data: { ".dockerconfigjson": b64(JSON.stringify({ auths })) },
});

function keyring(entries: Record<string, { username?: string; password?: string; auth?: string }>): DockerKeyring {
  const ring = new DockerKeyring();
  for (const [key, entry] of Object.entries(entries)) ring.add(key, entry);
  return ring;
}
const users = (ring: DockerKeyring, image: string) => ring.lookup(image).map((a) => a.username);

describe("imagePullSecrets keyring", () => {
  it("matches host and port exactly, and a key's path as a whole-segment prefix of the repository", () => {
    const ring = keyring({ "registry.example:5000": { username: "port" }, "registry.example/team": { username: "team" } });
    expect(users(ring, "registry.example:5000/app:1")).toEqual(["port"]);
    expect(users(ring, "registry.example:5001/app:1")).toEqual([]);
    expect(users(ring, "registry.example/team/app@sha256:" + "a".repeat(64))).toEqual(["team"]);
    expect(users(ring, "registry.example/teamx/app")).toEqual([]);
    expect(users(ring, "registry.example/app")).toEqual([]);
  });

  it("gives the most specific key's credentials first, then the broader ones", () => {
    const ring = keyring({ "quay.io": { username: "host" }, "quay.io/coreos": { username: "org" }, "https://quay.io/coreos/etcd": { username: "repo" } });
    expect(users(ring, "quay.io/coreos/etcd:v3")).toEqual(["repo", "org", "host"]);
    expect(users(ring, "quay.io/other/x")).toEqual(["host"]);
  });

  it("matches * host labels one for one", () => {
    const ring = keyring({ "*.example.com": { username: "wild" } });
    expect(users(ring, "a.example.com/x")).toEqual(["wild"]);
    expect(users(ring, "a.b.example.com/x")).toEqual([]);
    expect(users(ring, "example.com/x")).toEqual([]);
  });

  it("takes Docker Hub's keys for docker.io images, bare names included", () => {
    for (const key of ["https://index.docker.io/v1/", "index.docker.io", "docker.io"]) {
      const ring = keyring({ [key]: { username: "hub" } });
      expect(users(ring, "busybox"), key).toEqual(["hub"]);
      expect(users(ring, "library/busybox:1.36"), key).toEqual(["hub"]);
      expect(users(ring, "docker.io/acme/app"), key).toEqual(["hub"]);
      expect(users(ring, "quay.io/busybox"), key).toEqual([]);
      expect(users(ring, "localhost:5000/busybox"), key).toEqual([]);
    }
  });

  it("fills username and password from auth (base64 user:password), keeping explicit ones", () => {
    const ring = keyring({ "r.example": { auth: b64("alice:s3:cret") }, "s.example": { username: "bob", password: "pw", auth: b64("x:y") } });
    expect(ring.lookup("r.example/a")).toEqual([{ username: "alice", password: "s3:cret" }]);
    expect(ring.lookup("s.example/a")).toEqual([{ username: "bob", password: "pw" }]);
  });

  it("reads dockerconfigjson and dockercfg Secrets, and nothing from other types or bad data", () => {
    expect(dockerConfigEntries(dockerconfigjson({ "r.example": { username: "u" } }))).toEqual([["r.example", { username: "u" }]]);
    expect(dockerConfigEntries({ apiVersion: "v1", kind: "Secret", metadata: {}, type: "kubernetes.io/dockercfg", data: { ".dockercfg": b64(JSON.stringify({ "r.example": { auth: "x" } })) } })).toEqual([["r.example", { auth: "x" }]]);
    expect(dockerConfigEntries({ ...dockerconfigjson({ "r.example": {} }), type: "Opaque" })).toEqual([]);
    expect(dockerConfigEntries({ ...dockerconfigjson({}), data: { ".dockerconfigjson": b64("{not json") } })).toEqual([]);
  });
});
