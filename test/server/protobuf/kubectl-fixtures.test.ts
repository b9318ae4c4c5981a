/**
 * Bodies that kubectl 1.32 really sent (recorded by capture-kubectl.ts), decoded and compared
 * with `kubectl ... --dry-run=client -o json` of the same command: Go's own JSON of the object.
 * The one difference Go's JSON has is `creationTimestamp: null` for the zero Time, which we omit.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeKubernetesProtobuf, protobufBodyDecoder } from "../../../server/api/protobuf/decode.ts";

const dir = new URL("../../fixtures/protobuf/", import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const names = readdirSync(dir).filter((f) => f.endsWith(".dry-run.json")).map((f) => f.replace(".dry-run.json", ""));

function goJson(name: string): unknown {
  const text = readFileSync(new URL(`${name}.dry-run.json`, dir), "utf8");
  return JSON.parse(text, (key, value) => (key === "creationTimestamp" && value === null ? undefined : value));
}

describe("kubectl's protobuf bodies", () => {
  it("has the captured commands", () => {
    expect(names).toEqual(expect.arrayContaining(["namespace", "configmap", "secret", "deployment", "job", "service-nodeport"]));
  });

  for (const name of names) {
    it(`decodes ${name} to what Go's JSON shows`, () => {
      expect(protobufBodyDecoder(fixture(`${name}.bin`))).toEqual(goJson(name));
    });
  }

  it("decodes a TokenRequest (create token has no dry run)", () => {
    const { apiVersion, kind, object } = decodeKubernetesProtobuf(fixture("token.bin"));
    expect([apiVersion, kind]).toEqual(["authentication.k8s.io/v1", "TokenRequest"]);
    expect(object).toEqual({
      apiVersion, kind, metadata: {}, spec: { audiences: ["api"], expirationSeconds: 600 }, status: {},
    });
  });

  it("keeps Secret data base64 and drops the zero ObjectMeta fields Go wrote", () => {
    const secret = protobufBodyDecoder(fixture("secret.bin")) as { data: Record<string, string>; metadata: object };
    expect(atob(secret.data.password!)).toBe("s3cr3t");
    expect(secret.metadata).toEqual({ name: "creds" });
  });

  it("inlines IngressRuleValue and turns IntOrString into a number or string", () => {
    const ingress = protobufBodyDecoder(fixture("ingress.bin")) as { spec: { rules: Record<string, unknown>[] } };
    expect(Object.keys(ingress.spec.rules[0]!)).toEqual(["host", "http"]);
    const pdb = protobufBodyDecoder(fixture("pdb.bin")) as { spec: { minAvailable: unknown } };
    expect(pdb.spec.minAvailable).toBe("50%");
  });
});
