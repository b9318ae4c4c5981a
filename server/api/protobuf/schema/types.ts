/**
 * The shape of our protobuf schema tables: Kubernetes' field numbers, as upstream's
 * generated.proto files declare them, keyed by our short message names ("core.v1.Pod").
 */

/**
 * [JSON name, type, flags]. type is a scalar (string, int32, int64, uint32, uint64, bool, bytes,
 * double, float) or a message name. Flags:
 * - "r" repeated; "m" map<string, type> (wire: repeated entries {key = 1, value = 2});
 * - "p" a Go pointer: what is on the wire was set, so "", 0 and false are kept (a claim's
 *   storageClassName: "" means "no dynamic provisioning");
 * - "z" a Go value with omitempty: 0 and false mean unset and are dropped, as JSON drops them;
 * - "i" an embedded struct that JSON inlines (a Volume's VolumeSource): its fields join ours.
 * Without "p", an empty string is dropped; without "z", numbers and booleans are kept.
 */
export type FieldSpec = readonly [json: string, type: string, flags?: string];

export type MessageSpec = Readonly<Record<number, FieldSpec>>;

export type SchemaTable = Readonly<Record<string, MessageSpec>>;
