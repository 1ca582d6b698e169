import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  CreateImportRequestSchema,
  IMPORT_LIST_LIMIT,
  ImportListSchema,
  ImportViewSchema,
  importResultsCsv,
  type CreateImportRequest,
  type ImportList,
  type ImportResults,
} from '@docingest/contracts';
import { ApiError } from '../common/api-error';
import { ContractBody } from '../common/contract-body.pipe';
import { parseImportListQuery } from './import-list-query';
import { ImportsService } from './imports.service';

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

  /** JSON by default; CSV with `?format=csv` or `Accept: text/csv`. */
  @Get(':id/results')
  @ApiProduces('application/json', 'text/csv')
  async results(
    @Param('kb') kb: string,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('format') format: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ImportResults | string> {
    if (format !== undefined && format !== 'csv' && format !== 'json') {
      throw new ApiError(400, `format must be csv or json, not '${format}'`, { code: 'invalid_request', field: 'format' });
    }
    const csv = format ? format === 'csv' : request.accepts(['application/json', 'text/csv']) === 'text/csv';
    const found = await this.imports.results(kb, id);
    if (!found) throw new ApiError(404, `no import ${id} in '${kb}'`, { code: 'unknown_import' });
    if (!csv) return { import_id: found.view.import_id, status: found.view.status, results: found.results };
    response.setHeader('content-type', 'text/csv; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="import-${id}.csv"`);
    return importResultsCsv(found.results);
  }
}
