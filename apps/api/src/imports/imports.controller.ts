import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  CreateImportRequestSchema,
  IMPORT_LIST_LIMIT,
  IMPORT_RESULTS_LIMIT,
  ImportListSchema,
  ImportResultsSchema,
  ImportViewSchema,
  type CreateImportRequest,
  type ImportList,
} from '@docingest/contracts';
import { ApiError } from '../common/api-error';
import { ContractBody } from '../common/contract-body.pipe';
import { parseImportListQuery } from './import-list-query';
import { parseImportResultsQuery } from './import-results-query';
import { ImportsService } from './imports.service';
import { streamResults } from './results-stream';

/** docs/wire-contract.md#imports: import a gs:// prefix into a knowledge base, watch it, download its per-file result. */
@ApiTags('imports')
@Controller('api/v1/knowledge-bases/:kb/imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @Post()
  @ApiBody({ schema: CreateImportRequestSchema as object })
  async start(@Param('kb') kb: string, @Body(new ContractBody<CreateImportRequest>(CreateImportRequestSchema)) body: CreateImportRequest) {
    return this.imports.start(kb, body);
  }

  /** The knowledge base's imports, newest first, a page at a time (docs/wire-contract.md#imports). */
  @Get()
  @ApiQuery({ name: 'limit', required: false, description: `imports in the page, 1 to ${IMPORT_LIST_LIMIT.max} (default ${IMPORT_LIST_LIMIT.default})` })
  @ApiQuery({ name: 'cursor', required: false, description: "the previous page's next_cursor, as given" })
  @ApiOkResponse({ schema: ImportListSchema as object })
  async list(@Param('kb') kb: string, @Query() query: Record<string, unknown>): Promise<ImportList> {
    return this.imports.list(kb, parseImportListQuery(query));
  }

  @Get(':id')
  @ApiOkResponse({ schema: ImportViewSchema as object })
  async get(@Param('kb') kb: string, @Param('id', new ParseUUIDPipe()) id: string) {
    const view = await this.imports.view(kb, id);
    if (!view) throw new ApiError(404, `no import ${id} in '${kb}'`, { code: 'unknown_import' });
    return view;
  }

  /**
   * JSON by default; CSV with `?format=csv` or `Accept: text/csv`. Whole, written as it is read;
   * or, JSON only, a page with `?limit=&cursor=` (docs/wire-contract.md#imports).
   */
  @Get(':id/results')
  @ApiProduces('application/json', 'text/csv')
  @ApiQuery({ name: 'format', required: false, description: 'csv or json (default: by the Accept header, else json)' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `JSON only: results in the page, 1 to ${IMPORT_RESULTS_LIMIT.max} (default ${IMPORT_RESULTS_LIMIT.default} with a cursor); without limit and cursor, every result`,
  })
  @ApiQuery({ name: 'cursor', required: false, description: "JSON only: the previous page's next_cursor, as given" })
  @ApiOkResponse({ schema: ImportResultsSchema as object })
  async results(
    @Param('kb') kb: string,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const asked = parseImportResultsQuery(query, request.accepts(['application/json', 'text/csv']) === 'text/csv');
    const unknown = () => new ApiError(404, `no import ${id} in '${kb}'`, { code: 'unknown_import' });
    if (asked.page) {
      const page = await this.imports.resultsPage(kb, id, asked.page);
      if (!page) throw unknown();
      response.json(page);
      return;
    }
    const whole = await this.imports.allResults(kb, id);
    if (!whole) throw unknown();
    await streamResults(response, whole.view, whole.batches, asked.csv);
  }
}
