/*
 * Apart from the multipart parser so the request schemas can recognise an uploaded file without bundling busboy.
 */

/**
 * A file part of a multipart/form-data body. Its JSON form (what request hashes and logs see) describes the file
 * by name, type, size and sha256, never its bytes.
 */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly contentType: string,
    readonly data: Buffer,
    readonly sha256: string,
  ) {}

  /** Byte length of the file. */
  get bytes(): number {
    return this.data.byteLength;
  }

  toJSON(): { filename: string; content_type: string; bytes: number; sha256: string } {
    return { filename: this.filename, content_type: this.contentType, bytes: this.bytes, sha256: this.sha256 };
  }
}
