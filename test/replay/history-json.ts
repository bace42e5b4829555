/**
 * History <-> JSON (the proto3 JSON form `temporal workflow show --output json` also writes).
 *
 * Why not `historyToJSON`/`historyFromJSON` from '@temporalio/common/lib/proto-utils': they pass
 * message types built by @temporalio/proto's copy of protobufjs to @temporalio/common's copy,
 * and when npm installs the two packages with separate copies (as it does in this tree) the
 * `instanceof Type` check fails with "type must be a Type". Using the JSON codec of the very
 * protobufjs that @temporalio/proto was built with works with any install layout.
 */
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.History;

/** The part of protobufjs' proto3 JSON codec used here. */
interface ProtoJsonCodec {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
}

const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const codec = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJsonCodec;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** Serializes a fetched history as pretty proto3 JSON. */
export function historyToJson(history: proto.temporal.api.history.v1.IHistory): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return JSON.stringify(codec.toJson(historyType, message), null, 2);
}

/** Parses proto3 JSON back into a History that `Worker.runReplayHistories` accepts as is. */
export function historyFromJson(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a workflow history: expected an object with an "events" array');
  }
  const history = codec.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new TypeError('not a workflow history: it has no events');
  return history;
}
