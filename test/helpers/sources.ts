/** Market sources for tests: the synthetic source serving every symbol the tests use. */
import { syntheticSource } from '../../src/sources';

/** The symbols tests run on (the product default serves BTC-USD only). */
export const TEST_SYMBOLS: readonly string[] = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'ADA-USD', 'DOT-USD', 'DOGE-USD', 'XRP-USD', 'LTC-USD', 'BNB-USD', 'XLM-USD', 'AVAX-USD', 'ATOM-USD', 'BTC-USDT'];

/** The synthetic source as tests use it: every test symbol, no missing minutes. */
export const testSyntheticSource = syntheticSource({ symbols: TEST_SYMBOLS });
