export { parseDocument, type ParseInput } from './parse-document';
export { readDocumentSections, type SectionOptions } from './text-sections';
export { detectFormat } from './detect-format';
export { readFileSample, sampleOf, type DocumentSource, type FileSample } from './file-sample';
export { htmlToText } from './formats/html.parser';
export { DocumentParseError, type DocumentFormat, type ParsedDocument, type ParsedPage, type ParseErrorCode } from './parsed-document';
export { DEFAULT_PARSE_LIMITS, DocumentLimitError, formatBytes, type LimitName, type ParseLimits } from './parse-limits';
export { PARSE_WORKER_FILE, rebuildParseError, type ParseReply, type ParseTask } from './parse-worker';
export { warmUpPdf } from './formats/warm-up-pdf';
