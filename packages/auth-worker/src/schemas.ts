/** Shapes of what auth-worker reads: request bodies, token claims, stored users. */
import { z } from "zod";

const email = z
  .string({ error: "must be a string" })
  .trim()
  .max(254, "must be at most 254 characters")
  .pipe(z.email({ error: "must be an email address" }));

export const registerSchema = z.object({
  email,
  password: z
    .string({ error: "must be a string" })
    .min(8, "must be at least 8 characters")
    .max(1024, "must be at most 1,024 characters"),
});
export type RegisterBody = z.infer<typeof registerSchema>;

export const loginSchema = z.object({
  email,
  password: z
    .string({ error: "must be a string" })
    .min(1, "must not be empty")
    .max(1024, "must be at most 1,024 characters"),
});
export type LoginBody = z.infer<typeof loginSchema>;

export const tokenClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

export const userRecordSchema = z.object({
  id: z.string(),
  email: z.string(),
  createdAt: z.string(),
  password: z.object({
    alg: z.literal("PBKDF2-SHA256"),
    iterations: z.number().int().min(1).max(100_000),
    salt: z.string(),
    hash: z.string(),
  }),
});
export type UserRecord = z.infer<typeof userRecordSchema>;
