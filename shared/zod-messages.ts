import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/*
 * zod/mini loads no locale, so an issue without its own `error` would read "Invalid input". The English locale
 * (~3 KiB bundled, against ~440 KiB for the classic `zod` entry that loads it) keeps the messages the API and
 * parseEnv have always answered with. Imported for its side effect by the modules that turn issues into messages.
 */
config(en());
