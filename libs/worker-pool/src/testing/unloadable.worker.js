// A thread module that cannot be loaded, as when a dependency is missing from the install.
throw new Error("Cannot find module 'pdfjs-dist/legacy/build/pdf.mjs'");
