// The scope stage: scopes as a level of the decision above every policy's process ranking.
export * from './settings.js';
export * from './members.js';
export * from './history.js';
export * from './rank.js';
export * from './decide.js';
