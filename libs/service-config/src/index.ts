export { intInRange, list, nonNegativeInt, positiveInt } from './env-validators';
export { ConfigError, loadServiceConfig, serviceAuthProblem, type ServiceAuthSettings } from './load-service-config';
