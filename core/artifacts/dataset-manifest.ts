import { z } from 'zod';
import { TOPIC_NAMES } from '../config/index.js';

/** A frozen list of lake objects (with their S3 versions) that one training run reads. */
export const datasetManifestSchema = z.object({
  manifestId: z.string().min(1),
  createdAt: z.iso.datetime({ offset: true }),
  bucket: z.string().min(1),
  objects: z.array(
    z.object({
      key: z.string().min(1),
      /** S3 object version; `null` only for unversioned stores (local dirs). */
      versionId: z.string().min(1).nullable(),
      topic: z.enum(TOPIC_NAMES),
      symbol: z.string().min(1),
      size: z.number().int().nonnegative(),
    }),
  ),
});
export type DatasetManifest = z.infer<typeof datasetManifestSchema>;
