// A default Vite config, as `npm create vite` leaves it: no COOP/COEP headers, so the app runs as
// on any static host (single-threaded WASM).
export default {};
