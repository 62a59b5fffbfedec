// The AWS actions a service's code needs, derived from the SDK commands its source sends. The table
// maps each command to the IAM actions AWS authorizes it with (Service Authorization Reference);
// a command missing from the table fails the check, so it is extended deliberately.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from './envExample.ts'

export const COMMAND_ACTIONS: Record<string, string[]> = {
  // S3 (HeadObject and copy sources are authorized as GetObject; every multipart step as PutObject).
  GetObjectCommand: ['s3:GetObject'],
  HeadObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  CopyObjectCommand: ['s3:GetObject', 's3:PutObject'],
  DeleteObjectCommand: ['s3:DeleteObject'],
  DeleteObjectsCommand: ['s3:DeleteObject'],
  CreateMultipartUploadCommand: ['s3:PutObject'],
  UploadPartCommand: ['s3:PutObject'],
  UploadPartCopyCommand: ['s3:GetObject', 's3:PutObject'],
  CompleteMultipartUploadCommand: ['s3:PutObject'],
  AbortMultipartUploadCommand: ['s3:AbortMultipartUpload'],
  ListPartsCommand: ['s3:ListMultipartUploadParts'],
  ListMultipartUploadsCommand: ['s3:ListBucketMultipartUploads'],
  ListObjectsV2Command: ['s3:ListBucket'],
  HeadBucketCommand: ['s3:ListBucket'],
  // SQS (batch variants are authorized as the single action).
  ReceiveMessageCommand: ['sqs:ReceiveMessage'],
  DeleteMessageCommand: ['sqs:DeleteMessage'],
  DeleteMessageBatchCommand: ['sqs:DeleteMessage'],
  ChangeMessageVisibilityCommand: ['sqs:ChangeMessageVisibility'],
  ChangeMessageVisibilityBatchCommand: ['sqs:ChangeMessageVisibility'],
  SendMessageCommand: ['sqs:SendMessage'],
  SendMessageBatchCommand: ['sqs:SendMessage'],
  GetQueueAttributesCommand: ['sqs:GetQueueAttributes'],
  GetQueueUrlCommand: ['sqs:GetQueueUrl'],
  // DynamoDB, low-level client and document client.
  GetItemCommand: ['dynamodb:GetItem'],
  GetCommand: ['dynamodb:GetItem'],
  PutItemCommand: ['dynamodb:PutItem'],
  PutCommand: ['dynamodb:PutItem'],
  UpdateItemCommand: ['dynamodb:UpdateItem'],
  UpdateCommand: ['dynamodb:UpdateItem'],
  DeleteItemCommand: ['dynamodb:DeleteItem'],
  DeleteCommand: ['dynamodb:DeleteItem'],
  QueryCommand: ['dynamodb:Query'],
  ScanCommand: ['dynamodb:Scan'],
  BatchGetItemCommand: ['dynamodb:BatchGetItem'],
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  BatchWriteItemCommand: ['dynamodb:BatchWriteItem'],
  BatchWriteCommand: ['dynamodb:BatchWriteItem'],
  TransactGetItemsCommand: ['dynamodb:GetItem'],
  TransactGetCommand: ['dynamodb:GetItem'],
  DescribeTableCommand: ['dynamodb:DescribeTable'],
  // TransactWrite(Items) has no action of its own: each item is authorized as its kind (below).
  TransactWriteItemsCommand: [],
  TransactWriteCommand: [],
  // SES (v1 and v2 share the action name).
  SendEmailCommand: ['ses:SendEmail'],
  SendRawEmailCommand: ['ses:SendRawEmail'],
}

const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
}

/** Production source files of a service: no specs, no test support folders. */
export function productionSources(service: string): string[] {
  const root = join(repoRoot, 'services', service, 'src')
  const out: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) {
        if (name !== 'testing' && name !== '__fixtures__') walk(path)
      } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) out.push(path)
    }
  }
  walk(root)
  return out.sort()
}

export interface ActionUse {
  action: string
  /** Where it comes from: command and file. */
  sources: string[]
}

/** The IAM actions a service's code needs, each with the commands (and files) that need it. */
export function requiredActions(service: string): Map<string, string[]> {
  const actions = new Map<string, string[]>()
  const add = (action: string, source: string) =>
    actions.set(action, [...(actions.get(action) ?? []), source])
  const unknown: string[] = []
  for (const file of productionSources(service)) {
    const text = readFileSync(file, 'utf8')
    const rel = relative(repoRoot, file)
    const dynamoDocument = /from '@aws-sdk\/(lib-dynamodb|client-dynamodb)'/.test(text)
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/([a-z0-9-]+)'/g)) {
      for (const raw of (m[1] as string).split(',')) {
        const name = raw.trim()
        if (!name || name.startsWith('type ') || !name.endsWith('Command')) continue
        // Imported only as a type somewhere is not a call.
        if (!new RegExp(`new ${name}\\(`).test(text)) continue
        const mapped = COMMAND_ACTIONS[name]
        if (!mapped) {
          unknown.push(`${name} (${rel})`)
          continue
        }
        for (const action of mapped) add(action, `${name} in ${rel}`)
      }
    }
    // Items written in a transaction: every file of the service that builds DynamoDB items.
    if (dynamoDocument) {
      for (const [key, action] of Object.entries(TRANSACT_ITEM_ACTIONS)) {
        if (new RegExp(`\\b${key}:\\s*\\{`).test(text) && usesTransactWrite(service)) {
          add(action, `TransactWrite ${key} item in ${rel}`)
        }
      }
    }
  }
  if (unknown.length) throw new Error(`SDK commands missing from COMMAND_ACTIONS: ${unknown.join(', ')}`)
  return actions
}

function usesTransactWrite(service: string): boolean {
  return productionSources(service).some((f) =>
    /new TransactWrite(Items)?Command\(/.test(readFileSync(f, 'utf8')),
  )
}
