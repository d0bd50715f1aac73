import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { createReflectionResponder } from "./reflection-service.js";

const respond = createReflectionResponder([JobService]);

function fileNames(response: ReturnType<typeof respond>): string[] {
  if (response.case !== "fileDescriptorResponse") throw new Error(`expected files, got ${response.case}`);
  return response.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
}

describe("reflection responder", () => {
  it("lists the exposed services and itself", () => {
    const response = respond({ messageRequest: { case: "listServices", value: "" } });
    expect(response).toEqual({
      case: "listServicesResponse",
      value: {
        service: [
          { name: "jobplane.v1.JobService" },
          { name: "grpc.reflection.v1.ServerReflection" },
          { name: "grpc.reflection.v1alpha.ServerReflection" },
        ],
      },
    });
  });

  it("returns the file containing a service, a method or a message, with its imports", () => {
    for (const symbol of ["jobplane.v1.JobService", "jobplane.v1.JobService.SubmitJob", "jobplane.v1.Job"]) {
      const names = fileNames(respond({ messageRequest: { case: "fileContainingSymbol", value: symbol } }));
      expect(names).toContain("google/protobuf/struct.proto");
      expect(names).toContain("jobplane/v1/job.proto");
    }
    const names = fileNames(respond({ messageRequest: { case: "fileContainingSymbol", value: "jobplane.v1.JobService" } }));
    expect(names[0]).toBe("jobplane/v1/job_service.proto");
  });

  it("returns a file by name", () => {
    const names = fileNames(respond({ messageRequest: { case: "fileByFilename", value: "jobplane/v1/errors.proto" } }));
    expect(names).toEqual(["jobplane/v1/errors.proto"]);
  });

  it("answers NOT_FOUND for unknown symbols, methods and files", () => {
    for (const request of [
      { case: "fileContainingSymbol", value: "jobplane.v1.Nope" },
      { case: "fileContainingSymbol", value: "jobplane.v1.JobService.Nope" },
      { case: "fileByFilename", value: "nope.proto" },
    ] as const) {
      expect(respond({ messageRequest: request })).toMatchObject({ case: "errorResponse", value: { errorCode: 5 } });
    }
  });
});
