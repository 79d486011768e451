import { S3Client } from '@aws-sdk/client-s3';

type Input = Record<string, unknown> & { Bucket?: string; Key?: string };

const failure = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/**
 * An S3Client that keeps objects in this process's memory and never touches the network: the commands
 * the lake writer and reader send (PutObject with If-None-Match, GetObject, DeleteObjects, ListObjectsV2)
 * answered by a Map. The ingest bench points the sink at it to tell the pipeline's own cost from the
 * S3 emulator's. Local only; versioning, multipart and the rest are not modelled.
 */
export function memoryS3Client(): S3Client {
  const objects = new Map<string, Uint8Array>();
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'memory', secretAccessKey: 'memory' },
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as Input;
      const id = (key: string) => `${input.Bucket}/${key}`;
      const ok = (output: Record<string, unknown> = {}) =>
        ({ output: { ...output, $metadata: { httpStatusCode: 200 } }, response: {} }) as never;
      switch (context.commandName) {
        case 'PutObjectCommand': {
          if (input.IfNoneMatch === '*' && objects.has(id(input.Key!))) throw failure('PreconditionFailed', 412);
          const body = input.Body;
          objects.set(id(input.Key!), typeof body === 'string' ? new TextEncoder().encode(body) : (body as Uint8Array));
          return ok();
        }
        case 'GetObjectCommand': {
          const bytes = objects.get(id(input.Key!));
          if (!bytes) throw failure('NoSuchKey', 404);
          return ok({ Body: { transformToByteArray: async () => bytes } });
        }
        case 'DeleteObjectsCommand': {
          for (const o of (input.Delete as { Objects: { Key: string }[] }).Objects) objects.delete(id(o.Key));
          return ok();
        }
        case 'ListObjectsV2Command': {
          const start = id((input.Prefix as string | undefined) ?? '');
          const contents = [...objects.keys()]
            .filter((k) => k.startsWith(start))
            .sort()
            .map((k) => ({ Key: k.slice(`${input.Bucket}/`.length), Size: objects.get(k)!.byteLength }));
          return ok({ Contents: contents, IsTruncated: false });
        }
        default:
          throw new Error(`memory S3 does not model ${context.commandName}`);
      }
    },
    { step: 'initialize', name: 'memoryS3Store', priority: 'high' },
  );
  return client;
}
