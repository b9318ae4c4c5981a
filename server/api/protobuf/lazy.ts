/**
 * The Kubernetes protobuf decoder and its schema tables (about 100 KB of source) on the first
 * protobuf request body, not at startup.
 */
export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";

let loading: Promise<typeof import("./decode.ts")> | undefined;

export function loadProtobufDecoder(): Promise<typeof import("./decode.ts")> {
  return (loading ??= import("./decode.ts"));
}
