export * from './status';
export * from './schemas';
export * from './validate';
