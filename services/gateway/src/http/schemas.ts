import { createdUploadSchema, duplicateUploadSchema, errorBodySchema } from '@lfusys/contracts'

// Every body and value schema lives in @lfusys/contracts; these are the gateway's route response
// maps built from them.
export { errorBodySchema }

/** Every route answers its errors with the one error body. */
export const errorResponses = { '4xx': errorBodySchema, '5xx': errorBodySchema }

export const createUploadResponses = {
  200: duplicateUploadSchema,
  201: createdUploadSchema,
  ...errorResponses,
}
