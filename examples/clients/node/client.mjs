#!/usr/bin/env node
// A Node.js client of tcoapi.v1.LifeCycleCostService, from the .proto files at run time.
//
//   node client.mjs [--server HOST:PORT] [--tender FILE] [--stream FILE]...
//
// 1. EvaluateBids with --tender (default examples/sample-tender.json): prints the ranking.
// 2. EvaluateBids with a broken copy of it (discount rate -2, unit "parsecs" on the last bid's
//    first unit price): expects INVALID_ARGUMENT, decodes the google.rpc.Status of the
//    `grpc-status-details-bin` trailer and prints its BadRequest field violations and ErrorInfo.
// 3. EvaluateTenders with every --stream file (default: the sample and hospital-led-lighting):
//    prints each streamed result in order.
// Exits 0 when every step went as the contract says, 1 on anything unexpected, 2 on bad usage.
//
// The server comes from --server, else $TCO_SERVER, else 127.0.0.1:50051 (plaintext, as
// `make demo` serves). $TCO_TOKEN, when set, is sent as `authorization: Bearer <token>`.

import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const INCLUDE_DIRS = [join(ROOT, "proto"), join(ROOT, "third_party", "googleapis")];
const PROTOS = ["tcoapi/v1/service.proto", "google/rpc/error_details.proto"];
/** Deadline of each call, seconds. */
const DEADLINE_SECONDS = 30;

class Unexpected extends Error {}

// -- The contract, loaded twice from the same files: proto-loader makes the gRPC stub;
// -- protobufjs reflection checks tender files and decodes google.rpc details.

const packageDefinition = protoLoader.loadSync(PROTOS, {
  includeDirs: INCLUDE_DIRS,
  keepCase: true, // proto field names (study_period_years), as in the tender files
  enums: String,
  longs: String,
  defaults: true,
  oneofs: true, // e.g. response.outcome === "result" | "columns" | "error"
});

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => {
  for (const dir of INCLUDE_DIRS) {
    if (existsSync(join(dir, target))) return join(dir, target);
  }
  return target; // google/protobuf/*.proto: protobufjs ships these
};
root.loadSync(PROTOS, { keepCase: true });
root.resolveAll();

function makeClient(target) {
  const Service = grpc.loadPackageDefinition(packageDefinition).tcoapi.v1.LifeCycleCostService;
  return new Service(target, grpc.credentials.createInsecure());
}

function callMetadata() {
  const metadata = new grpc.Metadata();
  if (process.env.TCO_TOKEN) metadata.set("authorization", `Bearer ${process.env.TCO_TOKEN}`);
  return metadata;
}

function deadline() {
  return new Date(Date.now() + DEADLINE_SECONDS * 1000);
}

// -- Tender files: the proto JSON mapping of EvaluateBidsRequest.

/**
 * The proto JSON document `json` as the plain object proto-loader serializes, for message `type`.
 *
 * Field names may be proto names (`study_period_years`) or lowerCamelCase (`studyPeriodYears`);
 * enums by name; an unknown field is an error at its path (a misspelt `discount_rat` must not
 * evaluate with a zero discount rate), as in the Python client.
 */
function fromProtoJson(type, json, path) {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Unexpected(`${path || "tender"}: expected an object (${type.fullName.slice(1)})`);
  }
  const byJsonName = new Map();
  for (const field of type.fieldsArray) {
    byJsonName.set(field.name, field);
    byJsonName.set(protobuf.util.camelCase(field.name), field);
  }
  const out = {};
  for (const [key, value] of Object.entries(json)) {
    const field = byJsonName.get(key);
    const where = path ? `${path}.${key}` : key;
    if (field === undefined) {
      throw new Unexpected(`${where}: no such field in ${type.fullName.slice(1)}`);
    }
    if (value === null) continue; // proto JSON: null means the default
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    const convert = (v, at) => (message ? fromProtoJson(message, v, at) : v);
    if (field.map) {
      out[field.name] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, convert(v, `${where}[${k}]`)]),
      );
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new Unexpected(`${where}: expected a list`);
      out[field.name] = value.map((v, i) => convert(v, `${where}[${i}]`));
    } else {
      out[field.name] = convert(value, where);
    }
  }
  return out;
}

function loadTender(file) {
  let json;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Unexpected(`${file}: ${error.message}`);
  }
  return fromProtoJson(root.lookupType("tcoapi.v1.EvaluateBidsRequest"), json, "");
}

/** A copy of `request` with two field violations, and their paths in the request. */
function breakTender(request) {
  const broken = structuredClone(request);
  const last = (broken.bids ?? []).length - 1;
  const item = broken.bids?.[last]?.items?.[0];
  if (broken.method === undefined || item === undefined) {
    throw new Unexpected("the tender needs a method and a last bid with an item");
  }
  broken.method.discount_rate = -2;
  item.unit_price = { value: 1, ...item.unit_price, unit: "parsecs" };
  return {
    broken,
    paths: ["method.discount_rate", `bids[${last}].items[0].unit_price.unit`],
  };
}

// -- google.rpc.Status and its details.

/** The details of a google.rpc.Status (a decoded message), each unpacked from its Any. */
function unpackDetails(status) {
  return (status.details ?? []).map((any) => {
    const name = any.type_url.slice(any.type_url.lastIndexOf("/") + 1);
    const type = root.lookup(name);
    if (!(type instanceof protobuf.Type)) return { name, message: null };
    return { name, message: type.toObject(type.decode(any.value), { defaults: true }) };
  });
}

/** The google.rpc.Status of a failed call, from its `grpc-status-details-bin` trailer. */
function statusOf(error) {
  const [bin] = error.metadata?.get("grpc-status-details-bin") ?? [];
  if (bin === undefined) return null;
  const Status = root.lookupType("google.rpc.Status");
  return Status.toObject(Status.decode(bin), { defaults: true });
}

/** Print a Status's details; return its BadRequest field paths and ErrorInfo reason. */
function printStatus(status, indent) {
  const fields = [];
  let reason = "";
  for (const { name, message } of unpackDetails(status)) {
    if (name === "google.rpc.BadRequest") {
      for (const v of message.field_violations) {
        fields.push(v.field);
        console.log(`${indent}violation ${v.field || "(request)"}: ${v.description}`);
      }
    } else if (name === "google.rpc.ErrorInfo") {
      reason = message.reason;
      const metadata = Object.entries(message.metadata)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      console.log(`${indent}error info: reason=${message.reason} domain=${message.domain} ${metadata}`);
    } else if (name === "google.rpc.RetryInfo") {
      console.log(`${indent}retry after ${message.retry_delay?.seconds ?? 0} s`);
    } else {
      console.log(`${indent}detail ${name}${message ? "" : " (unknown type)"}`);
    }
  }
  return { fields, reason };
}

// -- The three steps.

function evaluateBids(client, request) {
  return new Promise((resolve, reject) => {
    client.EvaluateBids(request, callMetadata(), { deadline: deadline() }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

function printRanking(response, indent) {
  for (const bid of response.results) {
    const tied = bid.tied ? " (tied)" : "";
    console.log(
      `${indent}rank ${bid.rank}${tied}: ${bid.bid_id}  evaluated cost ` +
        `${bid.evaluated_cost.toFixed(2)} ${response.currency}`,
    );
  }
}

async function stepEvaluate(client, request, name) {
  const response = await evaluateBids(client, request);
  const bids = (request.bids ?? []).length;
  if (response.results.length !== bids) {
    throw new Unexpected(`${response.results.length} results for ${bids} bids`);
  }
  console.log(`EvaluateBids ${name}: ${response.results.length} bids ranked`);
  printRanking(response, "  ");
  console.log(`  ranking: ${response.results.map((bid) => bid.bid_id).join(" ")}`);
}

async function stepBadTender(client, request) {
  const { broken, paths } = breakTender(request);
  let error;
  try {
    await evaluateBids(client, broken);
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Unexpected("the broken tender was evaluated");
  if (error.code !== grpc.status.INVALID_ARGUMENT) throw error;
  console.log(`EvaluateBids broken tender: INVALID_ARGUMENT: ${error.details}`);
  const status = statusOf(error);
  if (status === null) throw new Unexpected("no grpc-status-details-bin trailer");
  if (status.code !== error.code) {
    throw new Unexpected(`trailer status code ${status.code} != call status ${error.code}`);
  }
  const { fields, reason } = printStatus(status, "  ");
  const missing = paths.filter((path) => !fields.includes(path));
  if (missing.length > 0) throw new Unexpected(`no violation reported at ${missing.join(", ")}`);
  if (reason !== "INVALID_TENDER") throw new Unexpected(`ErrorInfo reason "${reason}"`);
}

function stepStream(client, tenders) {
  console.log(`EvaluateTenders: ${tenders.length} tenders`);
  return new Promise((resolve, reject) => {
    const call = client.EvaluateTenders(callMetadata(), { deadline: deadline() });
    const problems = [];
    let received = 0;
    call.on("data", (response) => {
      const sent = tenders[received];
      received += 1;
      const head = `  #${response.sequence} ${response.tender_id}`;
      if (sent === undefined || response.tender_id !== sent.name) {
        problems.push(`response ${head} does not match request #${received - 1}`);
      }
      if (response.outcome === "result") {
        const best = response.result.results[0];
        console.log(`${head}: ${response.result.results.length} bids, best ${best?.bid_id}`);
        printRanking(response.result, "    ");
      } else {
        console.log(`${head}: ${response.outcome}`);
        if (response.outcome === "error") printStatus(response.error, "    ");
        problems.push(`tender ${response.tender_id} has no result (${response.outcome})`);
      }
    });
    call.on("error", reject);
    call.on("end", () => {
      console.log(`EvaluateTenders: ${received} results streamed`);
      if (received !== tenders.length) problems.push(`${received} of ${tenders.length} results`);
      if (problems.length > 0) reject(new Unexpected(problems.join("; ")));
      else resolve();
    });
    for (const { name, request } of tenders) {
      call.write({ tender_id: name, request, detail: "RESULT_DETAIL_SUMMARY" });
    }
    call.end();
  });
}

async function main() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        server: { type: "string", default: process.env.TCO_SERVER || "127.0.0.1:50051" },
        tender: { type: "string", default: join(ROOT, "examples", "sample-tender.json") },
        stream: { type: "string", multiple: true },
      },
    }));
  } catch (error) {
    console.error(`usage: node client.mjs [--server HOST:PORT] [--tender FILE] [--stream FILE]...
${error.message}`);
    return 2;
  }
  const streamFiles = args.stream ?? [
    join(ROOT, "examples", "sample-tender.json"),
    join(ROOT, "examples", "hospital-led-lighting.json"),
  ];
  const client = makeClient(args.server);
  try {
    const request = loadTender(args.tender);
    const name = basename(args.tender);
    await stepEvaluate(client, request, name);
    await stepBadTender(client, request);
    const tenders = streamFiles.map((file) => ({
      name: basename(file),
      request: loadTender(file),
    }));
    await stepStream(client, tenders);
    console.log("all steps as expected");
    return 0;
  } catch (error) {
    const what =
      error instanceof Unexpected ? "unexpected" : error.code !== undefined ? "call failed" : "error";
    console.error(`${what}: ${error.message}`); // a gRPC error's message starts with its code
    return 1;
  } finally {
    client.close();
  }
}

process.exitCode = await main();
