import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** keel's custom search attributes; registered on the dev server at start (`--search-attribute`). */
export const KEEL_MARKET = defineSearchAttributeKey('KeelMarket', SearchAttributeType.KEYWORD);
export const KEEL_EXCHANGE = defineSearchAttributeKey('KeelExchange', SearchAttributeType.KEYWORD);
export const KEEL_SYMBOL = defineSearchAttributeKey('KeelSymbol', SearchAttributeType.KEYWORD);
export const KEEL_TICK = defineSearchAttributeKey('KeelTick', SearchAttributeType.INT);
export const KEEL_PAUSED = defineSearchAttributeKey('KeelPaused', SearchAttributeType.BOOL);

/** name=Type pairs as the Temporal CLI expects them. */
export const KEEL_SEARCH_ATTRIBUTE_FLAGS = ['KeelMarket=Keyword', 'KeelExchange=Keyword', 'KeelSymbol=Keyword', 'KeelTick=Int', 'KeelPaused=Bool'];
