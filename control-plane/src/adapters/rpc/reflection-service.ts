/**
 * gRPC server reflection (v1 and v1alpha) for connect-es, which has no
 * package for it. It answers from the generated descriptors the server
 * already carries, so `buf curl --list-methods` and grpcurl work without the
 * .proto files. Reflection is a bidi stream, so clients must use h2c.
 */
import { createRegistry, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  ServerReflection as ServerReflectionV1,
  type ServerReflectionRequest,
} from "../../../../proto/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../../../proto/gen/grpc/reflection/v1alpha/reflection_pb.js";

/** gRPC's NOT_FOUND, as reflection's error_response reports it. */
const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;

type MessageResponse =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** Builds the answer to one reflection request; shared by v1 and v1alpha. */
export function createReflectionResponder(services: readonly DescService[]) {
  const exposed = [...services, ServerReflectionV1, ServerReflectionV1Alpha];
  const files = new Map<string, DescFile>();
  const addFile = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    file.dependencies.forEach(addFile);
  };
  exposed.forEach((s) => addFile(s.file));
  // Every file, imports included, so that symbols of imported files resolve too.
  const registry = createRegistry(...files.values());

  /** The file and everything it imports, as serialized FileDescriptorProtos. */
  const withDependencies = (file: DescFile): Uint8Array[] => {
    const out: DescFile[] = [];
    const seen = new Set<string>();
    const walk = (f: DescFile): void => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(f);
      f.dependencies.forEach(walk);
    };
    walk(file);
    return out.map((f) => toBinary(FileDescriptorProtoSchema, f.proto));
  };

  const fileOfSymbol = (symbol: string): DescFile | undefined => {
    const desc = registry.get(symbol);
    if (desc) return desc.file;
    // A method: "pkg.Service.Method".
    const parent = registry.get(symbol.slice(0, Math.max(0, symbol.lastIndexOf("."))));
    return parent?.kind === "service" && parent.methods.some((m) => `${parent.typeName}.${m.name}` === symbol)
      ? parent.file
      : undefined;
  };

  const notFound = (what: string): MessageResponse => ({
    case: "errorResponse",
    value: { errorCode: GRPC_NOT_FOUND, errorMessage: `${what} not found` },
  });

  return (request: Pick<ServerReflectionRequest, "messageRequest">): MessageResponse => {
    const r = request.messageRequest;
    switch (r.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: exposed.map((s) => ({ name: s.typeName })) } };
      case "fileByFilename": {
        const file = files.get(r.value);
        return file ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: withDependencies(file) } } : notFound(`file ${r.value}`);
      }
      case "fileContainingSymbol": {
        const file = fileOfSymbol(r.value);
        return file ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: withDependencies(file) } } : notFound(`symbol ${r.value}`);
      }
      case "fileContainingExtension":
        return notFound(`extension ${r.value.containingType}(${r.value.extensionNumber})`);
      case "allExtensionNumbersOfType":
        return registry.get(r.value)?.kind === "message"
          ? { case: "allExtensionNumbersResponse", value: { baseTypeName: r.value, extensionNumber: [] } }
          : notFound(`type ${r.value}`);
      default:
        return { case: "errorResponse", value: { errorCode: GRPC_UNIMPLEMENTED, errorMessage: "unknown reflection request" } };
    }
  };
}

/** Registers grpc.reflection.v1 and v1alpha on the router. */
export function registerReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const respond = createReflectionResponder(services);
  for (const service of [ServerReflectionV1, ServerReflectionV1Alpha]) {
    router.service(service as typeof ServerReflectionV1, {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) {
          yield { validHost: request.host, originalRequest: request, messageResponse: respond(request) };
        }
      },
    });
  }
}
