import * as z from 'zod/mini';

/** The characters routes read nothing: they only say characters are not supported. */
export const videoCharactersEnvSchema = z.object({});
export type VideoCharactersEnv = z.input<typeof videoCharactersEnvSchema>;
