// Every workflow the worker registers (this file is the bundle's entry).
export { ping } from './ping'
export { bridgeWorkflow } from './bridge'
export { webhookWorkflow } from './webhook'
export { previewWorkflow } from './preview'
