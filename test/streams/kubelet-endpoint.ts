/**
 * A node reached over the network in a test: the kubelet's HTTPS endpoint
 * (agent/kubelet/server/https.ts) on 127.0.0.1 for a node's streams, with a serving certificate
 * of the test server's CA, and the server's node directory pointed at it with the API server's
 * kubelet client certificate (streams/remote.ts), as for a joined agent.
 */
import { KUBELET_API_CLIENT, type RunningKubeletServer, startKubeletServer } from "../../agent/kubelet/server/https.ts";
import { certificatePem, issueCertificate, parseCertificatePem } from "../../server/auth/certificates.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../../server/auth/keys.ts";
import type { NodeStreams } from "../../streams/mod.ts";
import { remoteNodeStreams } from "../../streams/remote.ts";
import type { TestServer } from "../server/harness.ts";

export interface KubeletEndpoint {
  kubelet: RunningKubeletServer;
  /** The CA of the kubelet's serving certificate (PEM). */
  servingCa: string;
}

export async function serveNodeOverHttps(t: TestServer, nodeName: string, streams: NodeStreams): Promise<KubeletEndpoint> {
  const pki = t.server.pki;
  const keys = await generateKeyPair();
  const serving = await issueCertificate({
    ca: { certificate: parseCertificatePem(pki.serverCa.certPem), keys: pki.serverCa.keys },
    publicKey: keys.publicKey,
    commonName: `system:node:${nodeName}`,
    usage: "server",
    sans: { dnsNames: [nodeName], ipAddresses: ["127.0.0.1"] },
    now: new Date(),
    days: 1,
  });
  const kubelet = await startKubeletServer({ streams, cert: certificatePem(serving), key: await exportPrivateKeyPem(keys.privateKey), clientCa: pki.clientCa.certPem, port: 0, hostname: "127.0.0.1" });
  const client = await pki.issueClientCertificate(KUBELET_API_CLIENT, ["system:masters"]);
  t.server.nodeStreams.remote = remoteNodeStreams({ cert: client.certPem, key: client.keyPem, kubeletCa: pki.serverCa.certPem, address: "127.0.0.1", port: kubelet.port });
  return { kubelet, servingCa: pki.serverCa.certPem };
}
