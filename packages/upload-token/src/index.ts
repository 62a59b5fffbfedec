export {
  parseUploadTokenKeys,
  signUploadToken,
  UPLOAD_TOKEN_AUDIENCE,
  UPLOAD_TOKEN_ISSUER,
  type UploadTokenClaims,
  type UploadTokenKey,
  verifyUploadToken,
} from './uploadToken.ts'
