// Moved: the one module that knows Keras configs is src/keras/ (DESIGN.md "One module knows Keras configs").
export * from '../keras/config.js';
