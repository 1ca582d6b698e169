export { parseDocument, type ParseInput } from './parse-document';
export { detectFormat } from './detect-format';
export { htmlToText } from './formats/html.parser';
export { DocumentParseError, type DocumentFormat, type ParsedDocument, type ParsedPage, type ParseErrorCode } from './parsed-document';
