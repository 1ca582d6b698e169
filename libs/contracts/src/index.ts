export * from './status';
export * from './schemas';
export * from './validate';
export * from './vertex-models';
export * from './embedding-models';
export * from './imports';
export * from './traceparent';
export * from './ingestion-events';
