import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// `npm run dev` proxies the API to a local `rampart serve` (default 127.0.0.1:8080).
export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { "/v1": process.env.RAMPART_URL ?? "http://127.0.0.1:8080" } },
});
